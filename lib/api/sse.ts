import "server-only";

const KEEPALIVE_MS = 15_000;

export interface SseChannel {
  /** Sends one event; JSON-encodes the data. */
  send(event: string, data: unknown): void;
  /** Ends the stream (the browser's EventSource reconnects unless it is told otherwise). */
  close(): void;
}

/**
 * A Server-Sent Events response: keep-alive pings, and `open`'s cleanup run exactly once —
 * when the stream is closed, the client goes away (request aborted) or a write fails.
 */
export function sseResponse(req: Request, open: (channel: SseChannel) => () => void): Response {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      let done = false;
      let release = () => {};
      const write = (text: string) => {
        if (done) return;
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      const ping = setInterval(() => write(": ping\n\n"), KEEPALIVE_MS);
      cleanup = () => {
        if (done) return;
        done = true;
        clearInterval(ping);
        release();
        try {
          controller.close();
        } catch {
          /* already closed */
        }
      };
      write(": connected\nretry: 1000\n\n");
      release = open({ send: (event, data) => write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`), close: () => cleanup() });
      if (done) release();
      req.signal.addEventListener("abort", () => cleanup(), { once: true });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no", Connection: "keep-alive" },
  });
}
