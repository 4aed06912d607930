// The log API against the REAL lab (workers mode): engine log streams of running Synapse workers,
// read through the route handlers with a real API token. One worker is restarted and comes back.
import Dockerode from "dockerode";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "@/lib/contract/logs";
import { createApiToken } from "@/lib/auth";
import { closeDb } from "@/lib/db";
import { FrameDemuxer } from "@/lib/docker/log-frames";
import { openContainerLogs, type RawLogLine } from "@/lib/docker/logs";
import { MAX_STREAMS_PER_PRINCIPAL, openLogStreams } from "@/lib/logs";
import { docker, eventually, labContainer, requireLab } from "./lab-env";
import { callMergedLogs, callWorkerLogs, SseReader } from "./logs-client";
import { BEHAVIOUR_DEADLINE_MS, measurePromise } from "./promise";

let dataDir: string;
let token: string;
const open: AbortController[] = [];

beforeAll(async () => {
  requireLab();
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-logs-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  token = (await createApiToken({ role: "viewer", name: "log tests" })).token;
});
afterEach(async () => {
  for (const ac of open.splice(0)) ac.abort();
  await eventually(async () => openLogStreams() === 0, 5_000, "every engine log stream closed");
});
afterAll(async () => {
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function follow(call: (signal: AbortSignal) => Promise<Response>): Promise<SseReader> {
  const ac = new AbortController();
  open.push(ac);
  const res = await call(ac.signal);
  expect(res.status).toBe(200);
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  return new SseReader(res);
}

// The lab in workers mode: what workers=all must stream, each of them.
const LAB_PROCESSES = ["main", "generic_worker1", "media_worker", "federation_sender1"];
// Every wait is on a condition with a deadline; a test's timeout covers the sum of its deadlines.
const RESTART_GRACE_S = 5;
const RESTARTED_WAIT_MS = 30_000;
const ANSWERING_WAIT_MS = 120_000;
const HEALTHY_WAIT_MS = 90_000;

const marker = () => `fleet-log-test-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
const isSorted = (lines: LogLine[]) => lines.every((l, i) => i === 0 || lines[i - 1].ts <= l.ts);

describe("following a worker's log", () => {
  it("shows a request made through the generic worker within 2 s", async () => {
    const sse = await follow((signal) => callWorkerLogs(token, "generic_worker1", "follow=1&tail=0", { signal }));
    await eventually(async () => sse.statuses().some((s) => s.state === "streaming"), BEHAVIOUR_DEADLINE_MS, "streaming status");
    const m = marker();
    await measurePromise("a worker's access line on a log follow", 2_000, async () => {
      await fetch(`http://localhost:8009/_matrix/client/versions?${m}`);
      await eventually(async () => sse.lines().find((l) => l.text.includes(m)), BEHAVIOUR_DEADLINE_MS, "the access-log line of the request");
    });
    const line = sse.lines().find((l) => l.text.includes(m))!;
    expect(line).toMatchObject({ worker: "generic_worker1", stream: "stdout" });
    expect(line.text).toContain("synapse.access.http.8009");
    expect(sse.lastId).toBe(sse.lines().at(-1)!.ts);
  });

  it("resumes after the Last-Event-ID without repeating or losing a line", async () => {
    const ac = new AbortController();
    const first = new SseReader(await callWorkerLogs(token, "generic_worker1", "follow=1&tail=20", { signal: ac.signal }));
    await eventually(async () => first.lastId, BEHAVIOUR_DEADLINE_MS, "a first batch with an id");
    const m1 = marker();
    await fetch(`http://localhost:8009/_matrix/client/versions?${m1}`);
    await eventually(async () => first.lines().some((l) => l.text.includes(m1)), BEHAVIOUR_DEADLINE_MS, "the first request's line");
    ac.abort();
    const lastId = first.lastId!;
    const m2 = marker();
    await fetch(`http://localhost:8009/_matrix/client/versions?${m2}`); // while disconnected
    const again = await follow((signal) => callWorkerLogs(token, "generic_worker1", "follow=1&tail=20", { signal, lastEventId: lastId }));
    await eventually(async () => again.lines().some((l) => l.text.includes(m2)), BEHAVIOUR_DEADLINE_MS, "the line logged while disconnected");
    expect(again.lines().every((l) => l.ts > lastId)).toBe(true);
    expect(again.lines().some((l) => l.text.includes(m1))).toBe(false);
  });

  it("merges generic_worker1 and media_worker in ts order, lines from both", async () => {
    const sse = await follow((signal) => callMergedLogs(token, "workers=generic_worker1,media_worker&follow=1&tail=0", { signal }));
    await eventually(async () => sse.statuses().filter((s) => s.state === "streaming").length === 2, BEHAVIOUR_DEADLINE_MS, "both streaming");
    const m = marker();
    for (let i = 0; i < 5; i++) {
      await Promise.all([fetch(`http://localhost:8009/_matrix/client/versions?${m}-g${i}`), fetch(`http://localhost:8010/_matrix/client/versions?${m}-m${i}`)]);
    }
    await eventually(async () => sse.lines().filter((l) => l.text.includes(m)).length >= 10, BEHAVIOUR_DEADLINE_MS, "ten request lines");
    const mine = sse.lines().filter((l) => l.text.includes(m));
    expect(new Set(mine.map((l) => l.worker))).toEqual(new Set(["generic_worker1", "media_worker"]));
    expect(isSorted(sse.lines())).toBe(true);

    const page = await callMergedLogs(token, "workers=generic_worker1,media_worker&tail=200");
    expect(page.status).toBe(200);
    const body = (await page.json()) as { lines: LogLine[]; truncated: boolean };
    expect(body.lines.length).toBeLessThanOrEqual(200);
    expect(new Set(body.lines.filter((l) => l.text.includes(m)).map((l) => l.worker)).size).toBe(2);
    expect(isSorted(body.lines)).toBe(true);
  });

  it("searches server-side with q and with a regex", async () => {
    const m = marker();
    await fetch(`http://localhost:8009/_matrix/client/versions?${m}`);
    // The access line is written after the answer: search until it is there (case-insensitively).
    const plain = await eventually(async () => {
      const page = (await (await callWorkerLogs(token, "generic_worker1", `tail=10&q=${m.toUpperCase()}`)).json()) as { lines: LogLine[] };
      return page.lines.length > 0 ? page : null;
    }, 5_000, "the request's line found by q");
    expect(plain.lines).toHaveLength(1);
    expect(plain.lines[0].text).toContain(`versions?${m}`);
    const re = (await (await callWorkerLogs(token, "generic_worker1", `tail=10&regex=1&q=${encodeURIComponent(`versions\\?${m}\\b`)}`)).json()) as { lines: LogLine[] };
    expect(re.lines.map((l) => l.text)).toEqual(plain.lines.map((l) => l.text));
  });

  // generic_worker1, not the federation sender: it has an HTTP listener, so the test can cause
  // lines of its own after the restart (a request with a unique path) and wait for exactly those.
  it(
    "keeps streaming a worker through a restart: a status, then the line of a request made after it",
    async () => {
      const worker = labContainer("synapse-worker-generic");
      const sse = await follow((signal) => callWorkerLogs(token, "generic_worker1", "follow=1&tail=0", { signal }));
      await eventually(async () => sse.statuses().some((s) => s.state === "streaming"), BEHAVIOUR_DEADLINE_MS, "streaming status");
      const restartedAt = new Date().toISOString();
      docker("restart", "-t", String(RESTART_GRACE_S), worker);
      await eventually(async () => sse.statuses().some((s) => s.state === "restarted"), RESTARTED_WAIT_MS, "a restarted status");
      expect(sse.statuses().map((s) => s.state)).toContain("stopped");
      await eventually(async () => (await fetch("http://localhost:8009/health", { signal: AbortSignal.timeout(2_000) }).catch(() => null))?.ok, ANSWERING_WAIT_MS, "generic_worker1 answering again");
      const m = marker();
      await fetch(`http://localhost:8009/_matrix/client/versions?${m}`);
      const line = await eventually(async () => sse.lines().find((l) => l.text.includes(`versions?${m}`)), BEHAVIOUR_DEADLINE_MS, "the access-log line of the request made after the restart");
      expect(line).toMatchObject({ worker: "generic_worker1", stream: "stdout" });
      expect(line.ts > restartedAt).toBe(true);
      expect(line.text).toContain("synapse.access.http.8009");
      expect(isSorted(sse.lines())).toBe(true);
    },
    RESTART_GRACE_S * 1000 + RESTARTED_WAIT_MS + ANSWERING_WAIT_MS + HEALTHY_WAIT_MS + 30_000,
  );

  // The next test file finds the worker as this one found it: running and passing its healthcheck.
  afterAll(async () => {
    const worker = labContainer("synapse-worker-generic");
    await eventually(async () => docker("inspect", "-f", "{{.State.Health.Status}}", worker) === "healthy", HEALTHY_WAIT_MS, "generic_worker1 healthy again");
  }, HEALTHY_WAIT_MS + 10_000);
});

describe("bounds", () => {
  it("releases the engine stream when the client goes away", async () => {
    const ac = new AbortController();
    const res = await callMergedLogs(token, "workers=all&follow=1&tail=5", { signal: ac.signal });
    expect(res.status).toBe(200);
    const sse = new SseReader(res);
    const streaming = () => new Set(sse.statuses().filter((s) => s.state === "streaming").map((s) => s.worker));
    const withLines = () => new Set(sse.lines().map((l) => l.worker));
    await eventually(async () => LAB_PROCESSES.every((w) => streaming().has(w) && withLines().has(w)), BEHAVIOUR_DEADLINE_MS, "every lab process streaming, with a line from each");
    expect(sse.statuses().filter((s) => s.state !== "streaming")).toEqual([]);
    expect(withLines()).toEqual(new Set(LAB_PROCESSES));
    expect(openLogStreams()).toBe(LAB_PROCESSES.length);
    ac.abort();
    await eventually(async () => openLogStreams() === 0, 10_000, "open streams back to zero");
  });

  it("refuses hostile parameters with a 4xx that says why", async () => {
    const cases: Array<[Promise<Response>, number]> = [
      [callWorkerLogs(token, "generic_worker1", "tail=1000000000"), 400],
      [callWorkerLogs(token, "generic_worker1", "since=garbage"), 400],
      [callWorkerLogs(token, "generic_worker1", "until=999999d"), 400],
      [callWorkerLogs(token, "no_such_worker", "tail=1"), 404],
      [callMergedLogs(token, "workers=generic_worker1,ghost&tail=1"), 404],
      [callMergedLogs(token, "workers=type:nonsense"), 400],
      [callWorkerLogs(token, "generic_worker1", "regex=1&q=("), 400],
      [callWorkerLogs(token, "generic_worker1", `regex=1&q=${encodeURIComponent("(a)\\1")}`), 400],
      [callWorkerLogs(token, "generic_worker1", `tail=50&regex=1&q=${encodeURIComponent("(a+)+$")}`), 200],
      [callWorkerLogs(token, "generic_worker1", "tail=5&cmd=rm"), 400],
      [callWorkerLogs(token, "generic_worker1", "tail=5&tail=6"), 400],
      [callWorkerLogs("sf_" + "x".repeat(43), "generic_worker1", "tail=5"), 401],
    ];
    for (const [res, status] of cases) {
      const r = await res;
      expect(r.status).toBe(status);
      if (status === 200) continue; // a catastrophic pattern is answered in linear time, not refused
      const body = (await r.json()) as { error: { message: string } };
      expect(body.error.message.length).toBeGreaterThan(5);
    }
    const notFound = (await (await callWorkerLogs(token, "no_such_worker", "tail=1")).json()) as { error: { message: string } };
    expect(notFound.error.message).toContain("no_such_worker");
    const badRegex = (await (await callWorkerLogs(token, "generic_worker1", "regex=1&q=(")).json()) as { error: { message: string } };
    expect(badRegex.error.message).toMatch(/Invalid regex/);
  });

  it(`gives one principal at most ${MAX_STREAMS_PER_PRINCIPAL} concurrent streams: the next is 429, another principal is not affected`, async () => {
    for (let i = 0; i < MAX_STREAMS_PER_PRINCIPAL; i++) await follow((signal) => callWorkerLogs(token, "media_worker", "follow=1&tail=0", { signal }));
    const over = await callWorkerLogs(token, "media_worker", "follow=1&tail=0");
    expect(over.status).toBe(429);
    expect(((await over.json()) as { error: { message: string } }).error.message).toMatch(/at most 8/);
    const other = (await createApiToken({ role: "viewer", name: "another principal" })).token;
    await follow((signal) => callWorkerLogs(other, "media_worker", "follow=1&tail=0", { signal }));
    open.shift()!.abort(); // one of the first principal's streams closes: a slot is free again
    // The slot is given back as the aborted stream winds down: ask until it is (429 until then).
    const again = await eventually(async () => {
      const ac = new AbortController();
      const res = await callWorkerLogs(token, "media_worker", "follow=1&tail=0", { signal: ac.signal });
      if (res.status === 429) return null;
      open.push(ac);
      return res;
    }, 5_000, "a free stream slot after one stream closed");
    expect(again.status).toBe(200);
  });
});

describe("the engine's log stream (plain HTTP/1.0 socket)", () => {
  it("reads the same lines, stdout and stderr, as dockerode's HTTP/1.1 client", async () => {
    const id = labContainer("synapse-worker-generic");
    const mine: RawLogLine[] = [];
    const handle = await openContainerLogs(id, { follow: false, tail: 300 }, (lines) => mine.push(...lines));
    await handle.done;
    const raw = (await new Dockerode().getContainer(id).logs({ follow: false, stdout: true, stderr: true, timestamps: true, tail: 300 })) as unknown as Buffer;
    const demux = new FrameDemuxer();
    const theirs = [...demux.push(raw), ...demux.end()];
    expect(mine.length).toBeGreaterThan(0);
    expect(mine).toEqual(theirs);
  });

  it("says what the engine said for a container it does not know, and leaves no stream open", async () => {
    await expect(openContainerLogs("no-such-container-fleet-test", { follow: true }, () => undefined)).rejects.toMatchObject({ statusCode: 404, message: expect.stringMatching(/No such container/i) });
    expect(openLogStreams()).toBe(0);
  });
});
