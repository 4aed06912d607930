import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { ChunkedDecoder, parseHead } from "./log-socket";

async function collect(stream: Readable): Promise<string> {
  const parts: Buffer[] = [];
  for await (const c of stream) parts.push(c as Buffer);
  return Buffer.concat(parts).toString();
}

describe("parseHead", () => {
  it("waits for the end of the headers", () => {
    expect(parseHead(Buffer.from("HTTP/1.0 200 OK\r\nServer: Docker\r\n"))).toBeNull();
  });

  it("reads the status, the headers (lower-cased) and where the body starts", () => {
    const raw = Buffer.from("HTTP/1.0 404 Not Found\r\nContent-Type: application/json\r\nApi-Version: 1.41\r\n\r\n{\"message\":\"No such container: x\"}");
    const parsed = parseHead(raw)!;
    expect(parsed.head.status).toBe(404);
    expect(parsed.head.headers.get("content-type")).toBe("application/json");
    expect(raw.subarray(parsed.bodyStart).toString()).toBe('{"message":"No such container: x"}');
  });

  it("refuses an answer that is not HTTP", () => {
    expect(() => parseHead(Buffer.from("SSH-2.0-OpenSSH\r\n\r\n"))).toThrow(/not HTTP/);
  });
});

describe("ChunkedDecoder", () => {
  const body = "5\r\nhello\r\n7;ext=1\r\n, world\r\n0\r\n\r\n";

  it("passes on the chunks' bytes and ends at the last chunk", async () => {
    expect(await collect(Readable.from([Buffer.from(body)]).pipe(new ChunkedDecoder()))).toBe("hello, world");
  });

  it("decodes the same bytes cut at every position", async () => {
    for (let cut = 1; cut < body.length; cut++) {
      const parts = [Buffer.from(body.slice(0, cut)), Buffer.from(body.slice(cut))];
      expect(await collect(Readable.from(parts).pipe(new ChunkedDecoder()))).toBe("hello, world");
    }
  });

  it("fails on a malformed chunk size", async () => {
    await expect(collect(Readable.from([Buffer.from("zz\r\nhello\r\n")]).pipe(new ChunkedDecoder()))).rejects.toThrow(/malformed/);
  });
});
