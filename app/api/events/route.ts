import { apiRoute } from "@/lib/api/handler";
import { liveHub } from "@/lib/topology/live";

export const dynamic = "force-dynamic";

const KEEPALIVE_MS = 15_000;

/** Server-Sent Events: container state, health and stats changes as the engine reports them. */
export const GET = apiRoute("viewer", async ({ req }) => {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string) => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      send(": connected\nretry: 1000\n\n");
      const unsubscribe = liveHub().subscribe((e) => send(`event: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`));
      const ping = setInterval(() => send(": ping\n\n"), KEEPALIVE_MS);
      cleanup = () => {
        clearInterval(ping);
        unsubscribe();
        cleanup = () => {};
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      req.signal.addEventListener("abort", () => cleanup(), { once: true });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: {
      "Content-Type": "text/event-stream",
      "Cache-Control": "no-cache, no-transform",
      "X-Accel-Buffering": "no",
      Connection: "keep-alive",
    },
  });
});
