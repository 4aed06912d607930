import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FleetError } from "@/lib/errors";
import { instantQuery, MAX_RESPONSE_BYTES, prometheusSource, rangeQuery, scrapeTargets } from "./client";

// A fake Prometheus: each test sets how it answers, and the requests it saw are kept.
type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
let handler: Handler = (_req, _body, res) => res.end();
const seen: Array<{ method: string; url: string; type: string; body: string; auth: string; encoding: string }> = [];
let server: Server;
let base = "";

function json(res: ServerResponse, status: number, value: unknown) {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(value));
}

async function reasonOf(p: Promise<unknown>): Promise<{ reason: unknown; message: string }> {
  const err = await p.then(
    () => null,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(FleetError);
  const fe = err as FleetError;
  expect(fe.code).toBe("unavailable");
  return { reason: fe.details?.reason, message: fe.message };
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c) => (body += c));
    req.on("end", () => {
      seen.push({ method: req.method ?? "", url: req.url ?? "", type: req.headers["content-type"] ?? "", body, auth: req.headers.authorization ?? "", encoding: req.headers["accept-encoding"] ?? "" });
      handler(req, body, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
const savedEnv = process.env.FLEET_PROMETHEUS_URL;
afterEach(() => {
  seen.length = 0;
  process.env.FLEET_PROMETHEUS_URL = savedEnv;
});

describe("prometheus client", () => {
  it("posts an instant query as a form and keeps vector samples, dropping NaN and Inf", async () => {
    process.env.FLEET_PROMETHEUS_URL = `${base}/`;
    handler = (_q, _b, res) =>
      json(res, 200, {
        status: "success",
        data: {
          resultType: "vector",
          result: [
            { metric: { worker: "main" }, value: [1700000000, "1.5"] },
            { metric: { worker: "a" }, value: [1700000000, "NaN"] },
            { metric: { worker: "b" }, value: [1700000000, "+Inf"] },
          ],
        },
      });
    expect(await instantQuery('up{job="synapse"}', { time: 1700000000 })).toEqual([{ labels: { worker: "main" }, value: 1.5 }]);
    expect(seen[0].method).toBe("POST");
    expect(seen[0].url).toBe("/api/v1/query");
    expect(seen[0].type).toBe("application/x-www-form-urlencoded");
    expect(Object.fromEntries(new URLSearchParams(seen[0].body))).toEqual({ query: 'up{job="synapse"}', time: "1700000000" });
    // A compressed answer costs Prometheus more time than it saves on the dashboard's network.
    expect(seen[0].encoding).toBe("identity");
  });

  it("turns a scalar into one entry without labels", async () => {
    process.env.FLEET_PROMETHEUS_URL = base;
    handler = (_q, _b, res) => json(res, 200, { status: "success", data: { resultType: "scalar", result: [1, "2"] } });
    expect(await instantQuery("1+1")).toEqual([{ labels: {}, value: 2 }]);
  });

  it("sends a range query with start, end and step and drops non-finite points", async () => {
    process.env.FLEET_PROMETHEUS_URL = base;
    handler = (_q, _b, res) =>
      json(res, 200, {
        status: "success",
        data: { resultType: "matrix", result: [{ metric: { worker: "main" }, values: [[10, "1"], [20, "NaN"], [30, "-Inf"], [40, "3"]] }] },
      });
    expect(await rangeQuery("x", { start: 10, end: 40, step: 10 })).toEqual([{ labels: { worker: "main" }, points: [[10, 1], [40, 3]] }]);
    expect(seen[0].url).toBe("/api/v1/query_range");
    expect(Object.fromEntries(new URLSearchParams(seen[0].body))).toEqual({ query: "x", start: "10", end: "40", step: "10" });
  });

  it("reads active targets with their scrape interval in seconds", async () => {
    process.env.FLEET_PROMETHEUS_URL = base;
    handler = (_q, _b, res) =>
      json(res, 200, {
        status: "success",
        data: {
          activeTargets: [
            { labels: { worker: "main" }, health: "up", lastError: "", scrapeInterval: "1m30s", scrapeUrl: "http://s:9000/m" },
            { labels: { worker: "x" }, health: "weird", scrapeInterval: "5s" },
          ],
        },
      });
    const targets = await scrapeTargets();
    expect(targets).toEqual([
      { labels: { worker: "main" }, health: "up", lastError: "", scrapeIntervalSeconds: 90, scrapeUrl: "http://s:9000/m" },
      { labels: { worker: "x" }, health: "unknown", lastError: "", scrapeIntervalSeconds: 5, scrapeUrl: "" },
    ]);
    expect(seen[0].method).toBe("GET");
  });

  it("sends credentials of the URL as basic auth and never shows them", async () => {
    process.env.FLEET_PROMETHEUS_URL = base.replace("http://", "http://u%40x:p%3Aw@");
    handler = (_q, _b, res) => json(res, 200, { status: "success", data: { resultType: "scalar", result: [1, "1"] } });
    await instantQuery("1");
    expect(seen[0].auth).toBe(`Basic ${Buffer.from("u@x:p:w").toString("base64")}`);
    expect(await prometheusSource()).toEqual({ url: base, source: "env" });
  });

  it("maps 400 bad_data and 422 execution to bad_query, with Prometheus's message", async () => {
    process.env.FLEET_PROMETHEUS_URL = base;
    handler = (_q, _b, res) => json(res, 400, { status: "error", errorType: "bad_data", error: "parse error at char 3" });
    const a = await reasonOf(instantQuery("sum("));
    expect(a.reason).toBe("bad_query");
    expect(a.message).toContain("parse error at char 3");
    handler = (_q, _b, res) => json(res, 422, { status: "error", errorType: "execution", error: "many-to-many matching" });
    expect((await reasonOf(rangeQuery("a/b", { start: 0, end: 10, step: 1 }))).reason).toBe("bad_query");
  });

  it("maps 5xx, a non-API answer and a non-vector result", async () => {
    process.env.FLEET_PROMETHEUS_URL = base;
    handler = (_q, _b, res) => json(res, 503, { status: "error", errorType: "timeout", error: "query timed out" });
    expect(await reasonOf(instantQuery("up"))).toMatchObject({ reason: "unreachable" });
    handler = (_q, _b, res) => {
      res.writeHead(200, { "content-type": "text/html" });
      res.end("<html>Grafana</html>");
    };
    expect(await reasonOf(instantQuery("up"))).toMatchObject({ reason: "unreachable" });
    handler = (_q, _b, res) => json(res, 200, { status: "success", data: { resultType: "matrix", result: [] } });
    expect(await reasonOf(instantQuery("up[5m]"))).toMatchObject({ reason: "bad_query" });
  });

  it("gives unreachable for a refused connection and for a silent server after 5 s", async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    process.env.FLEET_PROMETHEUS_URL = `http://127.0.0.1:${port}`;
    const refused = await reasonOf(instantQuery("up"));
    expect(refused.reason).toBe("unreachable");
    expect(refused.message).toContain("ECONNREFUSED");

    process.env.FLEET_PROMETHEUS_URL = base;
    handler = () => undefined; // never answers
    const t0 = Date.now();
    const slow = await reasonOf(instantQuery("up"));
    expect(slow.reason).toBe("unreachable");
    expect(slow.message).toContain("within 5 s");
    expect(Date.now() - t0).toBeGreaterThanOrEqual(4900);
    expect(Date.now() - t0).toBeLessThan(8000);
  }, 15_000);

  it("refuses a body larger than the bound without waiting for all of it", async () => {
    process.env.FLEET_PROMETHEUS_URL = base;
    let written = 0;
    handler = (_q, _b, res) => {
      res.writeHead(200, { "content-type": "application/json" });
      const chunk = Buffer.alloc(1024 * 1024, 0x20);
      const pump = () => {
        while (written <= MAX_RESPONSE_BYTES * 4 && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once("drain", pump);
        }
        res.end();
      };
      res.on("close", () => undefined);
      pump();
    };
    const big = await reasonOf(instantQuery("up"));
    expect(big.reason).toBe("unreachable");
    expect(big.message).toContain("more than");
    expect(written).toBeLessThan(MAX_RESPONSE_BYTES * 4);

    handler = (_q, _b, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": String(MAX_RESPONSE_BYTES + 1) });
      res.write("{");
      setTimeout(() => res.destroy(), 200);
    };
    expect((await reasonOf(instantQuery("up"))).message).toContain(`${MAX_RESPONSE_BYTES + 1} bytes`);
  });

  it("refuses a URL that is not http or https, saying so", async () => {
    process.env.FLEET_PROMETHEUS_URL = "ftp://prometheus:9090";
    const r = await reasonOf(instantQuery("up"));
    expect(r.reason).toBe("not_configured");
    expect(r.message).toContain("ftp, not http or https");
    process.env.FLEET_PROMETHEUS_URL = "prometheus:9090/x y";
    expect((await reasonOf(scrapeTargets())).reason).toBe("not_configured");
  });
});
