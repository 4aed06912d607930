import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { FleetApi } from "./fleet-api";
import { createRoom, registerUser } from "./matrix";
import { BEHAVIOUR_DEADLINE_MS, measurePromise } from "../tests/promise";

// Routing made real: a Matrix client that only knows the lab's public entrypoint (nginx on :8080,
// public_baseurl) while the dashboard changes the workers behind it. The entrypoint's routes are
// the file the plans render from the route table (lab/lb/README.md); per-worker request counters,
// read from each process's own metrics listener, say who served what.
test.describe.configure({ mode: "serial", timeout: 300_000 });

const ENTRY = process.env.FLEET_LAB_ENTRYPOINT_URL ?? "http://localhost:8080";
const SEND = "RoomSendEventRestServlet";

let api: FleetApi;
let token = "";
let roomId = "";
/** Requests sent again after meeting a kept-alive connection nginx closed (a figure, printed). */
let resent = 0;

/** One client request through the entrypoint, as a browser makes it: an idempotent request that meets a kept-alive connection nginx is closing (a graceful reload closes idle ones) before any answer is sent again once. */
async function viaEntry(method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const init = (): RequestInit => ({
    method,
    headers: { Authorization: `Bearer ${token}`, ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(15_000),
  });
  let res: Response;
  try {
    res = await fetch(ENTRY + path, init());
  } catch (err) {
    if ((err as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw err;
    resent += 1;
    res = await fetch(ENTRY + path, init());
  }
  const text = await res.text();
  // nginx's own error pages are HTML: kept as text, so a failure shows what came back.
  const json = (res.headers.get("content-type") ?? "").includes("json") && text ? (JSON.parse(text) as Record<string, unknown>) : { body: text.slice(0, 200) };
  return { status: res.status, json };
}

/** Sends a message through the entrypoint every 100 ms until stopped: each one's event id, or what went wrong. */
function messenger() {
  const sent: string[] = [];
  const failures: string[] = [];
  let on = true;
  const loop = (async () => {
    for (let i = 0; on; i++) {
      const txn = crypto.randomBytes(8).toString("hex");
      const started = Date.now();
      try {
        const r = await viaEntry("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${txn}`, { msgtype: "m.text", body: `entrypoint ${i}` });
        if (r.status === 200 && typeof r.json.event_id === "string") sent.push(r.json.event_id);
        else failures.push(`message ${i}: HTTP ${r.status} ${JSON.stringify(r.json).slice(0, 200)}`);
      } catch (err) {
        failures.push(`message ${i}: ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, Math.max(0, 100 - (Date.now() - started))));
    }
  })();
  return {
    sent,
    async stop() {
      on = false;
      await loop;
      return { sent, failures };
    },
  };
}

/** A process's count of message sends (SEND), from its own metrics listener (no scrape delay). */
async function served(name: string): Promise<number> {
  const t = await api.topology();
  const p = t.processes.find((x) => x.name === name);
  const metrics = p?.listeners.find((l) => l.type === "metrics");
  if (!p?.container || !metrics) throw new Error(`${name} has no container or metrics listener in the topology`);
  const ip = execFileSync("docker", ["inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", p.container.id], { encoding: "utf8" }).trim().split(" ")[0];
  const text = await (await fetch(`http://${ip}:${metrics.port}/_synapse/metrics`, { signal: AbortSignal.timeout(10_000) })).text();
  let total = 0;
  for (const line of text.split("\n")) if (line.startsWith("synapse_http_server_requests_received_total{") && line.includes(`servlet="${SEND}"`)) total += Number(line.split(" ").pop());
  return total;
}

/** Every event id of the room's timeline, read back through the entrypoint. */
async function timeline(): Promise<Set<string>> {
  const ids = new Set<string>();
  let from = "";
  for (let page = 0; page < 100; page++) {
    const r = await viaEntry("GET", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/messages?dir=b&limit=1000${from ? `&from=${encodeURIComponent(from)}` : ""}`);
    expect(r.status).toBe(200);
    for (const e of r.json.chunk as Array<{ event_id: string }>) ids.add(e.event_id);
    if (!r.json.end || (r.json.chunk as unknown[]).length === 0) break;
    from = r.json.end as string;
  }
  return ids;
}

test.beforeAll(async ({ baseURL }) => {
  api = FleetApi.withRole(baseURL!, "operator");
  const t = await api.topology();
  expect(t.processes.map((p) => p.name).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
  const u = await registerUser("entrypoint");
  const login = await fetch(`${ENTRY}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user: u.user }, password: u.password }),
  });
  expect(login.status).toBe(200);
  token = ((await login.json()) as { access_token: string }).access_token;
  roomId = await createRoom(ENTRY, token);
});

test("a generic worker the dashboard adds serves part of the client's messages through the entrypoint, and its removal under load fails none and loses none", async () => {
  const client = messenger();
  let added = "";
  try {
    await expect.poll(() => client.sent.length, { timeout: BEHAVIOUR_DEADLINE_MS }).toBeGreaterThan(5);
    const add = await api.run("POST", "/api/workers", { type: "generic" });
    expect(add.status, add.error ?? "").toBe("succeeded");
    expect(add.steps.filter((s) => s.kind === "reload_lb").map((s) => s.status)).toEqual(["succeeded"]);
    added = (await api.topology()).processes.filter((p) => p.type === "generic" && p.name !== "generic_worker1").map((p) => p.name)[0];
    expect(added).toMatch(/^generic_worker\d+$/);
    const routedAt = performance.now();
    await measurePromise("a generic worker serves client messages through the entrypoint once its add-worker operation ends", 10_000, () =>
      expect.poll(() => served(added), { timeout: BEHAVIOUR_DEADLINE_MS, intervals: [250] }).toBeGreaterThan(0), routedAt);
    // Round robin: the worker that was there keeps serving too.
    const before = await served("generic_worker1");
    await expect.poll(() => served("generic_worker1"), { timeout: BEHAVIOUR_DEADLINE_MS }).toBeGreaterThan(before);

    const remove = await api.run("DELETE", `/api/workers/${added}`);
    expect(remove.status, remove.error ?? "").toBe("succeeded");
    // Routed away first, then stopped.
    expect(remove.steps.map((s) => s.kind).slice(0, 3)).toEqual(["reload_lb", "stop", "remove_container"]);
    const sentBefore = client.sent.length;
    await expect.poll(() => client.sent.length, { timeout: BEHAVIOUR_DEADLINE_MS }).toBeGreaterThan(sentBefore + 10);
  } finally {
    const { sent, failures } = await client.stop();
    console.log(`[entrypoint] ${sent.length} messages sent, ${failures.length} failed, ${resent} resent on a closing kept-alive connection`);
    expect(failures).toEqual([]);
  }
  const inRoom = await timeline();
  expect(client.sent.filter((id) => !inRoom.has(id))).toEqual([]);
  expect((await api.topology()).processes.map((p) => p.name).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
});

test("rolled back to a single process, main serves everything through the same entrypoint; the workers come back", async () => {
  const rollback = await api.run("POST", "/api/rollback-to-single-process");
  expect(rollback.status, rollback.error ?? "").toBe("succeeded");
  expect((await api.topology()).processes.map((p) => p.name)).toEqual(["main"]);
  // main was restarted by the rollback, maybe on a new address: nginx re-resolves its name within
  // seconds (valid=2s; a failed lookup is retried after ~5 s). How long that takes is a figure.
  await measurePromise("the entrypoint serves main again once a rollback ends", 2_000, () =>
    expect.poll(async () => (await fetch(`${ENTRY}/health`, { signal: AbortSignal.timeout(5_000) }).catch(() => null))?.status ?? 0, { timeout: BEHAVIOUR_DEADLINE_MS, intervals: [100] }).toBe(200));
  try {
    const before = await served("main");
    const r = await viaEntry("PUT", `/_matrix/client/v3/rooms/${encodeURIComponent(roomId)}/send/m.room.message/${crypto.randomBytes(8).toString("hex")}`, { msgtype: "m.text", body: "after rollback" });
    expect(r.status).toBe(200);
    const sync = await viaEntry("GET", "/_matrix/client/v3/sync?timeout=0");
    expect(sync.status).toBe(200);
    const upload = await fetch(`${ENTRY}/_matrix/media/v3/upload?filename=entry.bin`, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/octet-stream" },
      body: crypto.randomBytes(1024),
    });
    expect(upload.status).toBe(200);
    expect(await served("main")).toBe(before + 1);
  } finally {
    const restore = await api.run("POST", "/api/restore-workers");
    expect(restore.status, restore.error ?? "").toBe("succeeded");
  }
  const back = await api.topology();
  expect(back.processes.map((p) => `${p.name}=${p.health}`).sort()).toEqual(["federation_sender1=healthy", "generic_worker1=healthy", "main=healthy", "media_worker=healthy"]);
});
