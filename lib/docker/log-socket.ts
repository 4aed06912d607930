import "server-only";
import net from "node:net";
import { Transform, type Readable } from "node:stream";
import type Docker from "dockerode";
import { docker } from "./client";

/**
 * GET /containers/{id}/logs (or a Swarm task's /tasks/{id}/logs, same frames) over a plain socket as HTTP/1.0. The engine writes and flushes every
 * log line on its own; over HTTP/1.1 that makes one chunk per line, and Node's HTTP client runs
 * its parser and stream machinery once per chunk — about a third of the dashboard's CPU when a
 * worker logs 50,000 lines a second. An HTTP/1.0 answer is the bare byte stream until the engine
 * closes the connection, read in whatever sizes the socket gives.
 *
 * Used when the engine is reached over a unix socket or plain TCP; with TLS or SSH the caller
 * falls back to dockerode (`null` here).
 */

export class EngineHttpError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(`(HTTP code ${statusCode}) ${message}`);
    this.name = "EngineHttpError";
  }
}

type Endpoint = { path: string } | { host: string; port: number };

/** Where the engine listens, when it speaks plain HTTP; null otherwise. */
async function plainEndpoint(api: Docker): Promise<Endpoint | null> {
  const modem = api.modem as unknown as { socketPath?: string | (() => Promise<string>); host?: string; port?: string | number; protocol?: string };
  if (modem.socketPath) return { path: typeof modem.socketPath === "function" ? await modem.socketPath() : modem.socketPath };
  if (modem.host && modem.protocol === "http") return { host: modem.host, port: Number(modem.port ?? 2375) };
  return null;
}

export interface HttpHead {
  status: number;
  headers: Map<string, string>;
}

/** Reads a status line and headers ending in an empty line; null until they are complete. */
export function parseHead(buf: Buffer): { head: HttpHead; bodyStart: number } | null {
  const end = buf.indexOf("\r\n\r\n");
  if (end < 0) return null;
  const lines = buf.toString("latin1", 0, end).split("\r\n");
  const m = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0]);
  if (!m) throw new Error(`the engine answered something that is not HTTP: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const headers = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const colon = l.indexOf(":");
    if (colon > 0) headers.set(l.slice(0, colon).trim().toLowerCase(), l.slice(colon + 1).trim());
  }
  return { head: { status: Number(m[1]), headers }, bodyStart: end + 4 };
}

/** Decodes a chunked body (a proxy in front of the engine may still send one). */
export class ChunkedDecoder extends Transform {
  private buf: Buffer = Buffer.alloc(0);
  private left = 0; // bytes of the current chunk still to pass on
  private skipCrlf = false;
  private done = false;

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null) => void): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    try {
      this.drain();
      cb();
    } catch (err) {
      cb(err as Error);
    }
  }

  private drain() {
    while (!this.done) {
      if (this.left > 0) {
        if (this.buf.length === 0) return;
        const n = Math.min(this.left, this.buf.length);
        this.push(this.buf.subarray(0, n));
        this.buf = this.buf.subarray(n);
        this.left -= n;
        if (this.left === 0) this.skipCrlf = true;
        continue;
      }
      if (this.skipCrlf) {
        if (this.buf.length < 2) return;
        this.buf = this.buf.subarray(2);
        this.skipCrlf = false;
      }
      const eol = this.buf.indexOf("\r\n");
      if (eol < 0) return;
      const size = parseInt(this.buf.toString("latin1", 0, eol).split(";")[0], 16);
      if (!Number.isFinite(size)) throw new Error("malformed chunked body from the engine");
      this.buf = this.buf.subarray(eol + 2);
      if (size === 0) {
        this.done = true;
        this.push(null);
        return;
      }
      this.left = size;
    }
  }
}

/**
 * Opens the log stream at `resource` (e.g. "/containers/<id>/logs", already encoded) on `api`'s
 * engine; resolves with the body as a paused-until-read stream once the engine has said 200, or
 * rejects with its status and message. Null when the engine is not on plain HTTP.
 */
export async function dialPlainLogStream(resource: string, query: Record<string, string | number | boolean>, api: Docker = docker()): Promise<Readable | null> {
  const endpoint = await plainEndpoint(api);
  if (!endpoint) return null;
  const qs = new URLSearchParams(Object.entries(query).map(([k, v]) => [k, typeof v === "boolean" ? (v ? "1" : "0") : String(v)]));
  const request = `GET ${resource}?${qs} HTTP/1.0\r\nHost: docker\r\nUser-Agent: synapse-fleet\r\n\r\n`;
  return new Promise<Readable>((resolve, reject) => {
    const socket = "path" in endpoint ? net.connect({ path: endpoint.path }) : net.connect({ host: endpoint.host, port: endpoint.port });
    let head: Buffer = Buffer.alloc(0);
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      reject(err);
    };
    const endedEarly = () => fail(Object.assign(new Error("the engine closed the connection before answering"), { code: "ECONNRESET" }));
    socket.once("error", fail);
    socket.once("end", endedEarly);
    socket.on("connect", () => socket.write(request));
    const onData = (chunk: Buffer) => {
      head = head.length ? Buffer.concat([head, chunk]) : chunk;
      let parsed: ReturnType<typeof parseHead>;
      try {
        parsed = parseHead(head);
      } catch (err) {
        return fail(err as Error);
      }
      if (!parsed) {
        if (head.length > 64 * 1024) fail(new Error("the engine's answer has no end of headers"));
        return;
      }
      socket.removeListener("data", onData);
      socket.pause();
      const rest = head.subarray(parsed.bodyStart);
      const { status, headers } = parsed.head;
      if (status !== 200) {
        // An error answer is small JSON ({"message": …}); read it whole.
        const parts: Buffer[] = [rest];
        socket.on("data", (c: Buffer) => parts.push(c));
        socket.removeListener("end", endedEarly);
        socket.once("end", () => {
          const text = Buffer.concat(parts).toString("utf8");
          let message = text.trim();
          try {
            message = (JSON.parse(text) as { message?: string }).message ?? message;
          } catch {
            /* not JSON: the text as it is */
          }
          fail(new EngineHttpError(status, message || "no message"));
        });
        socket.resume();
        return;
      }
      settled = true;
      socket.removeListener("end", endedEarly);
      socket.removeListener("error", fail);
      if (rest.length > 0) socket.unshift(rest);
      if ((headers.get("transfer-encoding") ?? "").toLowerCase().includes("chunked")) {
        const body = new ChunkedDecoder();
        socket.on("error", (err) => body.destroy(err));
        body.on("close", () => socket.destroy());
        resolve(socket.pipe(body));
      } else resolve(socket);
    };
    socket.on("data", onData);
  });
}
