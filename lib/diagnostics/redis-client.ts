import net from "node:net";

/**
 * A minimal Redis client (RESP2 over node:net): enough to AUTH, PING and ask PUBSUB / CLIENT LIST,
 * one command at a time, within the caller's deadline. No dependency for three commands.
 */

export type RespValue = string | number | null | RespValue[];

/** An error reply (`-ERR …`, `-WRONGPASS …`): the server answered, it said no. */
export class RedisReplyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RedisReplyError";
  }
}

/** RESP encoding of a command: an array of bulk strings. */
export function encodeCommand(args: string[]): Buffer {
  const parts = [`*${args.length}\r\n`];
  for (const a of args) parts.push(`$${Buffer.byteLength(a)}\r\n${a}\r\n`);
  return Buffer.from(parts.join(""));
}

/** Parses one reply from the start of `buf`; null while it is incomplete. */
export function parseReply(buf: Buffer, start = 0): { value: RespValue | RedisReplyError; end: number } | null {
  const eol = buf.indexOf("\r\n", start);
  if (eol < 0) return null;
  const type = String.fromCharCode(buf[start]);
  const line = buf.toString("utf8", start + 1, eol);
  const next = eol + 2;
  switch (type) {
    case "+":
      return { value: line, end: next };
    case "-":
      return { value: new RedisReplyError(line), end: next };
    case ":":
      return { value: Number(line), end: next };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, end: next };
      if (buf.length < next + len + 2) return null;
      return { value: buf.toString("utf8", next, next + len), end: next + len + 2 };
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return { value: null, end: next };
      const items: RespValue[] = [];
      let at = next;
      for (let i = 0; i < n; i++) {
        const item = parseReply(buf, at);
        if (!item) return null;
        if (item.value instanceof RedisReplyError) return { value: item.value, end: item.end };
        items.push(item.value);
        at = item.end;
      }
      return { value: items, end: at };
    }
    default:
      throw new Error(`not a Redis reply (starts with ${JSON.stringify(type)})`);
  }
}

export interface RedisSession {
  command(...args: string[]): Promise<RespValue>;
  close(): void;
}

/** Connects; every failure (refused, timed out, aborted, closed) rejects with what happened. */
export function connectRedis(host: string, port: number, signal: AbortSignal): Promise<RedisSession> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(new Error("no time left to connect"));
    const socket = net.connect({ host, port });
    let buf = Buffer.alloc(0);
    let waiting: { resolve: (v: RespValue) => void; reject: (e: Error) => void } | null = null;
    let failure: Error | null = null;
    const fail = (err: Error) => {
      failure ??= err;
      reject(failure); // before the connection is made; a no-op after
      waiting?.reject(failure);
      waiting = null;
      socket.destroy();
    };
    const onAbort = () => fail(new Error(`no answer from ${host}:${port} in time`));
    signal.addEventListener("abort", onAbort, { once: true });
    socket.on("error", fail);
    socket.on("close", () => fail(new Error(`${host}:${port} closed the connection`)));
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length > 4 * 1024 * 1024) return fail(new Error("Redis sent more than 4 MiB"));
      try {
        const r = parseReply(buf);
        if (!r || !waiting) return;
        buf = buf.subarray(r.end);
        const w = waiting;
        waiting = null;
        if (r.value instanceof RedisReplyError) w.reject(r.value);
        else w.resolve(r.value);
      } catch (err) {
        fail(err as Error);
      }
    });
    socket.once("connect", () =>
      resolve({
        command: (...args) =>
          new Promise<RespValue>((res, rej) => {
            if (failure) return rej(failure);
            waiting = { resolve: res, reject: rej };
            socket.write(encodeCommand(args));
          }),
        close: () => {
          signal.removeEventListener("abort", onAbort);
          socket.destroy();
        },
      }),
    );
  });
}
