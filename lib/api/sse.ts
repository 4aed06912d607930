import "server-only";

const KEEPALIVE_MS = 15_000;
/** Bytes queued for a slow client before `backlogged()` says so (a producer that can wait should). */
const HIGH_WATER_BYTES = 1 << 20;

export interface SseChannel {
  /** Sends one event; JSON-encodes the data. `id` becomes the event's `id:` (the browser's Last-Event-ID on reconnect). */
  send(event: string, data: unknown, id?: string): void;
  /** Ends the stream (the browser's EventSource reconnects unless it is told otherwise). */
  close(): void;
  /** True while the client reads slower than we write: more than ~1 MiB is queued. */
  backlogged(): boolean;
  /** Calls `fn` whenever the client has read and the queue has room again. Returns an unsubscribe. */
  onDrain(fn: () => void): () => void;
}

/**
 * A Server-Sent Events response: keep-alive pings, and `open`'s cleanup run exactly once —
 * when the stream is closed, the client goes away (request aborted) or a write fails.
 */
export function sseResponse(req: Request, open: (channel: SseChannel) => () => void): Response {
  const encoder = new TextEncoder();
  let cleanup = () => {};
  const drainListeners = new Set<() => void>();
  let ctrl: ReadableStreamDefaultController<Uint8Array> | null = null;
  const stream = new ReadableStream<Uint8Array>(
    {
      start(controller) {
        ctrl = controller;
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
          drainListeners.clear();
          release();
          try {
            controller.close();
          } catch {
            /* already closed */
          }
        };
        write(": connected\nretry: 1000\n\n");
        release = open({
          send: (event, data, id) => write(`${id ? `id: ${id.replace(/[\r\n]/g, "")}\n` : ""}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`),
          close: () => cleanup(),
          backlogged: () => (ctrl?.desiredSize ?? 1) <= 0,
          onDrain: (fn) => {
            drainListeners.add(fn);
            return () => drainListeners.delete(fn);
          },
        });
        if (done) release();
        if (req.signal.aborted) cleanup();
        else req.signal.addEventListener("abort", () => cleanup(), { once: true });
      },
      pull() {
        for (const fn of drainListeners) fn();
      },
      cancel() {
        cleanup();
      },
    },
    { highWaterMark: HIGH_WATER_BYTES, size: (chunk) => chunk.byteLength },
  );
  return new Response(stream, {
    headers: { "Content-Type": "text/event-stream", "Cache-Control": "no-cache, no-transform", "X-Accel-Buffering": "no", Connection: "keep-alive" },
  });
}
