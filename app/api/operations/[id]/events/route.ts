import { ApiError } from "@/lib/api/errors";
import { apiRoute } from "@/lib/api/handler";
import { isTerminalStatus } from "@/lib/api/schemas/operations";
import { getOperation, subscribeOperation } from "@/lib/operations";
import type { Operation } from "@/lib/synapse/plan-schema";

export const dynamic = "force-dynamic";

const KEEPALIVE_MS = 15_000;

/**
 * Server-Sent Events: the whole operation (event `operation`) now and on every change;
 * the stream ends after a terminal status.
 */
export const GET = apiRoute<{ id: string }>("viewer", async ({ req, params }) => {
  if (!(await getOperation(params.id))) throw new ApiError("not_found", `No operation ${params.id}`);
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
      let sawLiveChange = false;
      const sendOperation = (op: Operation) => {
        send(`event: operation\ndata: ${JSON.stringify(op)}\n\n`);
        if (isTerminalStatus(op.status)) cleanup();
      };
      send(": connected\nretry: 1000\n\n");
      const unsubscribe = subscribeOperation(params.id, (op) => {
        sawLiveChange = true;
        sendOperation(op);
      });
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
      // Read after subscribing so no change falls between; a change that arrived meanwhile is newer.
      getOperation(params.id).then(
        (op) => {
          if (op && !sawLiveChange) sendOperation(op);
        },
        (err: unknown) => {
          console.error("[api] operation events: reading the operation failed:", err);
          cleanup(); // the browser reconnects and reads again
        },
      );
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
