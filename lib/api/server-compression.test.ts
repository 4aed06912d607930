import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { pathToFileURL } from "node:url";
import zlib from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

// scripts/server.mjs compresses for Next (compress: false): level 1 for answers, 6 for static chunks.
type Compress = (req: IncomingMessage, res: ServerResponse) => void;

const json = JSON.stringify({ series: Array.from({ length: 4000 }, (_, i) => [1_700_000_000 + i * 60, i / 7]) });
let server: Server;
let base: string;

beforeAll(async () => {
  const file = pathToFileURL(path.resolve(import.meta.dirname, "../../scripts/server.mjs")).href;
  const { compressor } = (await import(/* @vite-ignore */ file)) as { compressor(): Promise<Compress> };
  const compress = await compressor();
  server = createServer((req, res) => {
    compress(req, res);
    const url = new URL(req.url ?? "/", "http://x");
    const headers: Record<string, string> = { "content-type": url.pathname.endsWith(".js") ? "application/javascript" : "application/json" };
    if (url.searchParams.has("stream")) headers["cache-control"] = "no-cache, no-transform";
    // As Next sends a route's answer: streamed (its length unknown), the size stated by jsonResponse.
    const body = url.searchParams.get("body") ?? json;
    if (url.searchParams.has("stated")) headers["x-fleet-body-bytes"] = url.searchParams.get("stated") || String(Buffer.byteLength(body));
    res.writeHead(200, headers);
    res.write(body);
    res.end();
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

/** The raw bytes and encoding of an answer (fetch would decode it). */
function get(pathname: string, encoding = "gzip, deflate"): Promise<{ encoding: string | undefined; body: Buffer; headers: IncomingMessage["headers"] }> {
  return new Promise((resolve, reject) => {
    request(base + pathname, { headers: { "accept-encoding": encoding } }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve({ encoding: res.headers["content-encoding"], body: Buffer.concat(chunks), headers: res.headers }));
    })
      .on("error", reject)
      .end();
  });
}

describe("the production server's compression", () => {
  it("gzips an answer at level 1 and a static chunk at level 6, both decoding to the body", async () => {
    const answer = await get("/api/metrics/requests");
    expect(answer.encoding).toBe("gzip");
    expect(zlib.gunzipSync(answer.body).toString()).toBe(json);
    expect(answer.body.length).toBe(zlib.gzipSync(json, { level: 1 }).length);
    const chunk = await get("/_next/static/chunks/a.js");
    expect(chunk.encoding).toBe("gzip");
    expect(zlib.gunzipSync(chunk.body).toString()).toBe(json);
    expect(chunk.body.length).toBe(zlib.gzipSync(json, { level: 6 }).length);
    expect(chunk.body.length).toBeLessThan(answer.body.length);
  });

  it("leaves alone a no-transform answer (event streams) and a client without gzip", async () => {
    for (const [pathname, encoding] of [
      ["/api/events?stream=1", "gzip"],
      ["/api/metrics/requests", "identity"],
    ]) {
      const r = await get(pathname, encoding);
      expect(r.encoding, pathname).toBeUndefined();
      expect(r.body.toString().length).toBeGreaterThan(0);
    }
  });

  it("sends an answer that states a size under 12 KiB as it is, compresses a larger one, and never passes the statement on", async () => {
    const smallBody = JSON.stringify({ processes: "x".repeat(12 * 1024 - 20) });
    expect(Buffer.byteLength(smallBody)).toBeLessThan(12 * 1024);
    const small = await get(`/api/topology?stated&body=${encodeURIComponent(smallBody)}`);
    expect(small.encoding).toBeUndefined();
    expect(small.body.toString()).toBe(smallBody);
    const large = await get("/api/topology?stated");
    expect(large.encoding).toBe("gzip");
    expect(zlib.gunzipSync(large.body).toString()).toBe(json);
    // A statement that is not a size is no reason to skip compression.
    const garbled = await get("/api/topology?stated=lots");
    expect(garbled.encoding).toBe("gzip");
    for (const r of [small, large, garbled]) expect(r.headers["x-fleet-body-bytes"]).toBeUndefined();
  });
});
