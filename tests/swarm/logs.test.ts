// Logs from every node (issue #15 §5) against the swarm lab (lab/swarm/README.md): the merged
// stream through the log route, a worker's task replaced under a follow, and how long a line
// written on node3 takes to reach the merged stream. Run under `flock /tmp/swarm-tests.lock`: it
// force-updates the generic worker's service (and puts it back on node2, as the lab had it).
import Docker from "dockerode";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LogLine, LogStatus } from "@/lib/contract/logs";
import { eventually } from "../lab-env";
import { callMergedLogs, SseReader } from "../logs-client";

function requireSwarmLab() {
  const env = process.env;
  if (!env.FLEET_LAB_SWARM_MANAGER || !env.FLEET_LAB_SWARM_CONFIG_DIR || !env.FLEET_SWARM_NODE_ENGINES || !env.FLEET_LAB_SWARM_NODE_ADDRS) {
    throw new Error('the swarm lab env is not set: set -a; eval "$(bash lab/swarm/swarm.sh env)"; set +a (and bash lab/swarm/swarm.sh up)');
  }
  const pairs = (spec: string) => Object.fromEntries(spec.split(",").map((e) => [e.slice(0, e.indexOf("=")), e.slice(e.indexOf("=") + 1)]));
  return { manager: env.FLEET_LAB_SWARM_MANAGER, configDir: env.FLEET_LAB_SWARM_CONFIG_DIR, engines: env.FLEET_SWARM_NODE_ENGINES, engineOf: pairs(env.FLEET_SWARM_NODE_ENGINES), addrOf: pairs(env.FLEET_LAB_SWARM_NODE_ADDRS) };
}

// The dashboard on the swarm: its engine is the manager, its config dir the swarm lab's.
const lab = requireSwarmLab();
process.env.DOCKER_HOST = lab.manager;
process.env.SYNAPSE_CONFIG_DIR = lab.configDir;
delete process.env.FLEET_RUNTIME;

const socketOf = (url: string) => new Docker({ socketPath: url.replace(/^unix:\/\//, "") });
const manager = socketOf(lab.manager);
const GENERIC = "fleetsw_synapse-worker-generic";
const SENDER = "fleetsw_synapse-worker-federation-sender";
const PIN = "node.hostname == node2";

let dataDir: string;
let token: string;
const open: AbortController[] = [];

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-swarm-logs-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  const { createApiToken } = await import("@/lib/auth");
  token = (await createApiToken({ role: "viewer", name: "swarm log tests" })).token;
});
afterEach(async () => {
  process.env.FLEET_SWARM_NODE_ENGINES = lab.engines;
  for (const ac of open.splice(0)) ac.abort();
  const { openLogStreams } = await import("@/lib/logs");
  await eventually(async () => openLogStreams() === 0, 10_000, "every log stream closed");
});
afterAll(async () => {
  const { closeDb } = await import("@/lib/db");
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function follow(query: string): Promise<SseReader> {
  const ac = new AbortController();
  open.push(ac);
  const res = await callMergedLogs(token, query, { signal: ac.signal });
  expect(res.status).toBe(200);
  return new SseReader(res);
}

/** The running task of a service: its id, node hostname and container. */
async function runningTask(service: string): Promise<{ id: string; node: string; containerId: string } | null> {
  const tasks = (await manager.listTasks({ filters: { service: [service], "desired-state": ["running"] } })) as Array<{ ID: string; NodeID: string; Status: { State: string; ContainerStatus?: { ContainerID?: string } } }>;
  const t = tasks.find((x) => x.Status.State === "running" && x.Status.ContainerStatus?.ContainerID);
  if (!t) return null;
  const node = (await manager.getNode(t.NodeID).inspect()) as { Description: { Hostname: string } };
  return { id: t.ID, node: node.Description.Hostname, containerId: t.Status.ContainerStatus!.ContainerID! };
}

/** Writes one line to the process's own stdout, as if Synapse had logged it. */
async function writeLine(engine: Docker, containerId: string, text: string): Promise<void> {
  const exec = await engine.getContainer(containerId).exec({ Cmd: ["sh", "-c", `echo '${text}' > /proc/1/fd/1`] });
  const stream = await exec.start({ hijack: true, stdin: false });
  await new Promise<void>((resolve, reject) => {
    stream.on("end", resolve);
    stream.on("error", reject);
    stream.resume();
  });
}

/** A request the generic worker writes in its access log (the marker is in the query string). */
async function request(node: string, marker: string): Promise<void> {
  const res = await fetch(`http://${lab.addrOf[node]}:8009/_matrix/client/versions?fleet_marker=${marker}`, { signal: AbortSignal.timeout(5_000) });
  expect(res.status).toBe(200);
}

const marker = (what: string) => `fleetsw-log-${what}-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const has = (lines: LogLine[], text: string) => lines.find((l) => l.text.includes(text));

describe("logs from every node", () => {
  it("brings the federation sender's lines from node3 into the merged stream, each marked node3, from its node's engine and through the manager", async () => {
    const sender = await runningTask(SENDER);
    expect(sender?.node).toBe("node3");
    const node3 = socketOf(lab.engineOf.node3);
    for (const via of ["node engine", "manager"]) {
      if (via === "manager") process.env.FLEET_SWARM_NODE_ENGINES = "";
      const sse = await follow("workers=all&follow=1&tail=0");
      await eventually(async () => sse.statuses().filter((s) => s.state === "streaming").length >= 4, 20_000, `every worker streaming (${via})`);
      const m = marker("sender");
      await writeLine(node3, sender!.containerId, m);
      const line = await eventually(async () => has(sse.lines(), m), 20_000, `the marker from node3 in the merged stream (${via})`);
      expect(line).toMatchObject({ worker: "federation_sender1", node: "node3", stream: "stdout" });
      // Every line says where it was written: main and the media worker on node1, the generic worker on node2.
      const nodes = new Map(sse.lines().map((l) => [l.worker, l.node]));
      for (const [w, n] of nodes) expect(n, w).toBe({ main: "node1", media_worker: "node1", generic_worker1: "node2", federation_sender1: "node3" }[w]);
      for (const ac of open.splice(0)) ac.abort();
    }
  }, 90_000);

  it("pages and searches read a swarm worker's current task like a container", async () => {
    const { readLogs, parseLogRequest } = await import("@/lib/logs");
    const m = marker("page");
    const generic = await runningTask(GENERIC);
    await request(generic!.node, m);
    const page = await eventually(async () => {
      const p = await readLogs(parseLogRequest(new URLSearchParams({ workers: "generic_worker1", tail: "20", q: m })), new AbortController().signal);
      return p.lines.length > 0 ? p : null;
    }, 15_000, "the marker found by a search");
    expect(page.lines[0]).toMatchObject({ worker: "generic_worker1", node: generic!.node });
    const plain = await readLogs(parseLogRequest(new URLSearchParams({ workers: "federation_sender1,generic_worker1", tail: "50" })), new AbortController().signal);
    expect(plain.lines).toHaveLength(50);
    expect(plain.lines.every((l, i) => i === 0 || plain.lines[i - 1].ts <= l.ts)).toBe(true);
    for (const l of plain.lines) expect(l.node, l.worker).toBe(l.worker === "generic_worker1" ? generic!.node : "node3");
  }, 60_000);

  it("follows the generic worker's new task after a forced update and loses no line written around it", async () => {
    const before = await runningTask(GENERIC);
    expect(before?.node).toBe("node2");
    const sse = await follow("workers=generic_worker1,federation_sender1&follow=1&tail=0");
    await eventually(async () => sse.statuses().filter((s) => s.state === "streaming").length >= 2, 20_000, "both streaming");
    const m1 = marker("before");
    await request("node2", m1);
    await eventually(async () => has(sse.lines(), m1), 15_000, "the marker before the update");

    const service = manager.getService((await manager.listServices({ filters: { name: [GENERIC] } }))[0].ID);
    try {
      // `docker service update --force`, kept on node2 so the lab stays as it was (lab/swarm/README.md).
      const s = (await service.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { ForceUpdate?: number; Placement?: { Constraints?: string[] } } } };
      const tt = s.Spec.TaskTemplate;
      await service.update({ ...s.Spec, version: s.Version.Index, TaskTemplate: { ...tt, ForceUpdate: (tt.ForceUpdate ?? 0) + 1, Placement: { ...tt.Placement, Constraints: [...(tt.Placement?.Constraints ?? []), PIN] } } });
      const after = await eventually(async () => {
        const t = await runningTask(GENERIC);
        return t && t.id !== before!.id ? t : null;
      }, 120_000, "a new generic worker task running");
      expect(after.node).toBe("node2");
      await eventually(async () => (await fetch(`http://${lab.addrOf.node2}:8009/health`, { signal: AbortSignal.timeout(2_000) }).catch(() => null))?.ok, 120_000, "the new task healthy");
      const m2 = marker("after");
      await request("node2", m2);
      const got = await eventually(async () => has(sse.lines(), m2), 30_000, "the marker after the update");

      const statuses: LogStatus[] = sse.statuses().filter((x) => x.worker === "generic_worker1");
      expect(statuses.map((x) => x.state)).toContain("restarted");
      expect(statuses.find((x) => x.state === "restarted")?.message).toContain(`task ${after.id.slice(0, 12)} on node2`);
      // No line lost: every line both containers wrote from the first marker to the second is in the stream, once.
      const node2 = socketOf(lab.engineOf.node2);
      const streamed = sse.lines().filter((l) => l.worker === "generic_worker1");
      const first = has(streamed, m1)!;
      const written: string[] = [];
      for (const id of [before!.containerId, after.containerId]) {
        const raw = (await node2.getContainer(id).logs({ stdout: true, stderr: true, timestamps: true, follow: false })) as Buffer;
        const { FrameDemuxer } = await import("@/lib/docker/log-frames");
        const d = new FrameDemuxer();
        for (const l of [...d.push(raw), ...d.end()]) if (l.ts >= first.ts && l.ts <= got.ts) written.push(`${l.ts} ${l.text}`);
      }
      expect(written.length).toBeGreaterThan(2);
      const seen = streamed.filter((l) => l.ts >= first.ts && l.ts <= got.ts).map((l) => `${l.ts} ${l.text}`);
      expect(seen).toEqual(written.sort());
    } finally {
      // Put the lab back: the task keeps running on node2 without the pin (a constraints-only update keeps it).
      const s = (await service.inspect()) as { Version: { Index: number }; Spec: { TaskTemplate: { Placement?: { Constraints?: string[] } } } };
      const tt = s.Spec.TaskTemplate;
      if (tt.Placement?.Constraints?.includes(PIN)) {
        await eventually(async () => (await runningTask(GENERIC))?.node === "node2", 120_000, "the generic worker back on node2");
        await service.update({ ...s.Spec, version: s.Version.Index, TaskTemplate: { ...tt, Placement: { ...tt.Placement, Constraints: tt.Placement.Constraints.filter((c) => c !== PIN) } } });
      }
    }
  }, 300_000);

  it("measures how long a line written on node3 takes to reach the merged stream", async () => {
    const { followLogsOf, parseLogRequest } = await import("@/lib/logs");
    const arrived = new Map<string, number>();
    const start = await followLogsOf(parseLogRequest(new URLSearchParams({ workers: "all", follow: "1", tail: "0" })));
    const stop = start({
      send(event, data) {
        if (event !== "lines") return;
        const now = Date.now();
        for (const l of (data as { lines: LogLine[] }).lines) if (l.text.startsWith("fleetsw-log-lat-")) arrived.set(l.text, now - Date.parse(l.ts));
      },
      backlogged: () => false,
      onDrain: () => () => {},
    });
    try {
      const sender = await runningTask(SENDER);
      const node3 = socketOf(lab.engineOf.node3);
      await new Promise((r) => setTimeout(r, 1_000)); // every source open
      const sent: string[] = [];
      for (let i = 0; i < 20; i++) {
        const m = marker("lat");
        sent.push(m);
        await writeLine(node3, sender!.containerId, m);
        await eventually(async () => arrived.has(m), 10_000, `marker ${i} in the merged stream`);
      }
      const ms = sent.map((m) => arrived.get(m)!).sort((a, b) => a - b);
      const at = (q: number) => ms[Math.min(ms.length - 1, Math.ceil(q * ms.length) - 1)];
      process.stdout.write(`[swarm logs] node3 line → merged stream over 20 markers: p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${ms.at(-1)} ms\n`);
      expect(ms).toHaveLength(20);
    } finally {
      stop();
    }
  }, 120_000);
});
