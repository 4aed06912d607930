// The dashboard's own PostgreSQL (DATABASE_URL mode) goes away and comes back, for real: the lab's
// PostgreSQL is reached through a TCP relay this test cuts (every connection dropped, new ones
// refused) and restores. While it is away, routes answer 503 `unavailable` naming the database, the
// process does not crash, and once it is back the same process answers 200 again.
import net from "node:net";
import { NextRequest } from "next/server";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually } from "./lab-env";

const target = process.env.FLEET_TEST_DATABASE_URL;
const schema = `fleet_outage_${process.pid}_${Date.now().toString(36)}`;
let relay: net.Server | null = null;
let relayPort = 0;
const open = new Set<net.Socket>();

function startRelay(port = 0): Promise<number> {
  const upstream = new URL(target!);
  relay = net.createServer((client) => {
    const up = net.connect(Number(upstream.port || 5432), upstream.hostname);
    open.add(client).add(up);
    client.on("close", () => open.delete(client));
    up.on("close", () => open.delete(up));
    client.on("error", () => up.destroy());
    up.on("error", () => client.destroy());
    client.pipe(up).pipe(client);
  });
  return new Promise((resolve) => relay!.listen(port, "127.0.0.1", () => resolve((relay!.address() as net.AddressInfo).port)));
}

function cutRelay(): Promise<void> {
  for (const s of open) s.destroy();
  open.clear();
  return new Promise((resolve) => (relay ? relay.close(() => resolve()) : resolve()));
}

let token = "";

beforeAll(async () => {
  if (!target) throw new Error("FLEET_TEST_DATABASE_URL is not set: this test needs the lab's PostgreSQL (eval \"$(bash lab/lab.sh env)\")");
  relayPort = await startRelay();
  const url = new URL(target);
  url.hostname = "127.0.0.1";
  url.port = String(relayPort);
  url.searchParams.set("schema", schema);
  process.env.DATABASE_URL = url.toString();
  const { createApiToken } = await import("@/lib/auth");
  token = (await createApiToken({ role: "viewer", name: "outage test" })).token;
});

afterAll(async () => {
  await cutRelay();
  const { closeDb } = await import("@/lib/db");
  await closeDb().catch(() => undefined);
  delete process.env.DATABASE_URL;
  const c = new pg.Client({ connectionString: target });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await c.end();
});

async function history(): Promise<Response> {
  const { GET } = await import("@/app/api/history/route");
  const req = new NextRequest("http://fleet.local/api/history?limit=5", { headers: { authorization: `Bearer ${token}` } });
  return GET(req, { params: Promise.resolve({}) });
}

describe("the dashboard's PostgreSQL goes away", () => {
  it("answers 503 unavailable while it is away, and 200 again once it is back, in the same process", async () => {
    expect((await history()).status).toBe(200);

    await cutRelay();
    const down = await history();
    expect(down.status).toBe(503);
    const body = (await down.json()) as { error: { code: string; message: string; details: { reason: string } } };
    expect(body.error.code).toBe("unavailable");
    expect(body.error.details.reason).toBe("database_unreachable");
    expect(body.error.message).toMatch(/database/i);

    await startRelay(relayPort);
    await eventually(async () => (await history()).status === 200, 30_000, "the routes answering again once the database is back");
  }, 60_000);
});
