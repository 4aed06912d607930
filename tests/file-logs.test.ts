// File logs against the REAL lab: the media worker logs to /data/logs/media_worker.log (its own
// media_worker.log.config, lab/lab.sh), and the dashboard tails that file through the log API.
// Lines of requests this test sends through the media worker are followed across the rotations an
// operator's tools do (Synapse reopening on SIGHUP after a rename; logrotate's create, then SIGHUP;
// copytruncate) and across a re-created container, each line once, none lost.
import { copyFileSync, existsSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execFileSync } from "node:child_process";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { LogLine } from "@/lib/contract/logs";
import { createApiToken } from "@/lib/auth";
import { closeDb } from "@/lib/db";
import { openLogStreams } from "@/lib/logs";
import { docker, eventually, labContainer, labSynapseHealthy, requireLab } from "./lab-env";
import { callMergedLogs, callWorkerLogs, SseReader } from "./logs-client";
import { BEHAVIOUR_DEADLINE_MS } from "./promise";

const MEDIA = "http://localhost:8010";
const WORKER = "media_worker";
const SERVICE = "synapse-worker-media";

let dataDir: string;
let token: string;
let logFile: string;
const open: AbortController[] = [];
/** Rotated copies this test made, removed after it. */
const rotated: string[] = [];

beforeAll(async () => {
  const { configDir } = requireLab();
  logFile = path.join(configDir, "logs", "media_worker.log");
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-file-logs-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  token = (await createApiToken({ role: "viewer", name: "file log tests" })).token;
  await labSynapseHealthy();
  // The lab's media worker logs to its file (not the console): what this whole file is about.
  await eventually(async () => existsSync(logFile), BEHAVIOUR_DEADLINE_MS, `${logFile} written by the media worker`);
}, 300_000);
afterEach(async () => {
  for (const ac of open.splice(0)) ac.abort();
  await eventually(async () => openLogStreams() === 0, 5_000, "every log stream closed");
  // A test that failed between a rename and its SIGHUP would leave Synapse writing to a file about
  // to be deleted: it reopens by name first, so the lab is left as found.
  if (rotated.length > 0) hangUp();
  for (const f of rotated.splice(0)) rmSync(f, { force: true });
});
afterAll(async () => {
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const marker = () => `fleet-file-log-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;

/** A request through the media worker: its access line names `tag`. */
async function request(tag: string): Promise<void> {
  const res = await fetch(`${MEDIA}/_matrix/client/versions?${tag}`);
  expect(res.status).toBe(200);
}

async function follow(call: (signal: AbortSignal) => Promise<Response>): Promise<SseReader> {
  const ac = new AbortController();
  open.push(ac);
  const res = await call(ac.signal);
  expect(res.status).toBe(200);
  const sse = new SseReader(res);
  await eventually(async () => sse.statuses().some((s) => s.worker === WORKER && s.state === "streaming"), BEHAVIOUR_DEADLINE_MS, "the file tail streaming");
  return sse;
}

/** The followed lines naming `tag`, once it has arrived. */
const seen = (sse: SseReader, tag: string) => eventually(async () => sse.lines().filter((l) => l.text.includes(tag)).length > 0, BEHAVIOUR_DEADLINE_MS, `the line of ${tag}`);

/** Every line the stream delivered, each once: no repeat after a rotation, a truncation or a re-attach. */
function expectNoRepeats(lines: LogLine[]) {
  const keys = lines.map((l) => `${l.ts} ${l.text}`);
  expect(keys.length - new Set(keys).size, "lines delivered twice").toBe(0);
  expect(lines.every((l, i) => i === 0 || lines[i - 1].ts < l.ts), "ts strictly increasing").toBe(true);
}

/** The access lines of `tags`, in the order the stream delivered them: exactly one per tag, in the order sent. */
function expectEachOnceInOrder(lines: LogLine[], tags: string[]) {
  const access = lines.filter((l) => l.text.includes("synapse.access.http.8010") && tags.some((t) => l.text.includes(t)));
  expect(access.map((l) => tags.find((t) => l.text.includes(t)))).toEqual(tags);
}

/** The fixed-width ts one nanosecond later. */
const nextTs = (ts: string) => `${ts.slice(0, 20)}${String(Number(ts.slice(20, 29)) + 1).padStart(9, "0")}Z`;

function rotateName(suffix: string): string {
  const f = `${logFile}.${suffix}-${process.pid}`;
  rotated.push(f);
  return f;
}

/** Synapse re-reads its log config on SIGHUP: its file handler reopens the file by name. */
function hangUp() {
  docker("kill", "-s", "HUP", labContainer(SERVICE));
}

async function page(route: "worker" | "merged", query: string): Promise<LogLine[]> {
  const res = route === "worker" ? await callWorkerLogs(token, WORKER, query) : await callMergedLogs(token, query);
  expect(res.status).toBe(200);
  return ((await res.json()) as { lines: LogLine[] }).lines;
}

describe("the media worker's log file through the log API", () => {
  it("shows a request's lines from the file; since/until bound them exactly; workers=type:media selects it", async () => {
    const run = marker();
    const tags = [1, 2, 3].map((i) => `${run}-r${i}`);
    for (const t of tags) await request(t);
    const all = await eventually(async () => {
      const lines = await page("worker", `tail=500&q=${run}`);
      return tags.every((t) => lines.some((l) => l.text.includes(t))) ? lines : null;
    }, BEHAVIOUR_DEADLINE_MS, "the three requests' lines in the file");
    const mine = all.filter((l) => tags.some((t) => l.text.includes(t)));
    expect(mine.map((l) => ({ worker: l.worker, stream: l.stream }))).toEqual(mine.map(() => ({ worker: WORKER, stream: "file" })));
    expectEachOnceInOrder(mine, tags);
    const [first, middle, last] = tags.map((t) => mine.find((l) => l.text.includes(t) && l.text.includes("synapse.access.http.8010"))!);

    // Exact bounds, inclusive: the middle request's line alone; then everything from the first to the last.
    const only = await page("worker", `tail=500&since=${middle.ts}&until=${middle.ts}`);
    expect(only).toEqual([middle]);
    const span = await page("worker", `tail=5000&since=${first.ts}&until=${last.ts}`);
    expect(span[0]).toEqual(first);
    expect(span.at(-1)).toEqual(last);
    expect(span.every((l) => l.ts >= first.ts && l.ts <= last.ts)).toBe(true);
    expect(span.filter((l) => tags.some((t) => l.text.includes(t)))).toEqual(mine.filter((l) => l.ts >= first.ts && l.ts <= last.ts));
    // A bound a nanosecond past a line leaves it out.
    const after = await page("worker", `tail=500&since=${nextTs(first.ts)}&until=${last.ts}`);
    expect(after).not.toContainEqual(first);
    expect(after).toContainEqual(last);

    // By type: the media worker and no one else, the same lines.
    const byType = await page("merged", `workers=type:media&tail=500&q=${run}`);
    expect(new Set(byType.map((l) => l.worker))).toEqual(new Set([WORKER]));
    expect(byType.filter((l) => tags.some((t) => l.text.includes(t)))).toEqual(mine);
  });

  it("follows the file across rotations (rename + SIGHUP, logrotate create + SIGHUP, copytruncate): every line once, none lost", async () => {
    const sse = await follow((signal) => callMergedLogs(token, "workers=type:media&follow=1&tail=0", { signal }));
    const tags: string[] = [];
    const send = async () => {
      const t = marker();
      tags.push(t);
      await request(t);
      return t;
    };
    await seen(sse, await send());

    // Rename, then SIGHUP: Synapse creates the new file itself.
    renameSync(logFile, rotateName("rotated"));
    hangUp();
    await eventually(async () => existsSync(logFile), BEHAVIOUR_DEADLINE_MS, "Synapse reopening its log file");
    await seen(sse, await send());

    // logrotate's `create`: rename, an empty new file, a request while Synapse still writes to the
    // old one, and only then SIGHUP.
    renameSync(logFile, rotateName("created"));
    writeFileSync(logFile, "", { mode: 0o644 });
    await new Promise((r) => setTimeout(r, 500)); // the tail has moved over to the empty file
    const intoOld = await send();
    await seen(sse, intoOld);
    hangUp();
    await seen(sse, await send());

    // copytruncate: copied, then truncated in place while Synapse keeps appending.
    copyFileSync(logFile, rotateName("copied"));
    truncateSync(logFile, 0);
    await seen(sse, await send());
    await seen(sse, await send());

    expectEachOnceInOrder(sse.lines(), tags);
    expectNoRepeats(sse.lines());
    expect(sse.lines().every((l) => l.worker === WORKER && l.stream === "file")).toBe(true);
    expect(sse.statuses().filter((s) => s.state === "error")).toEqual([]);
  }, 120_000);

  it("follows the worker by name into a re-created container: the stream continues", async () => {
    const sse = await follow((signal) => callWorkerLogs(token, WORKER, "follow=1&tail=0", { signal }));
    const before = marker();
    await request(before);
    await seen(sse, before);

    const oldId = labContainer(SERVICE);
    docker("rm", "-f", oldId);
    execFileSync("bash", ["lab/lab.sh", "up", "workers"], { stdio: "pipe", timeout: 240_000 });
    expect(labContainer(SERVICE)).not.toBe(oldId);
    await labSynapseHealthy();

    // A fresh tag per try: a try that reached Synapse but failed leaves a line of its own.
    const after = await eventually(async () => {
      const t = marker();
      const res = await fetch(`${MEDIA}/_matrix/client/versions?${t}`).catch(() => null); // the pooled connection went with the old container
      return res?.status === 200 ? t : null;
    }, BEHAVIOUR_DEADLINE_MS, "the re-created media worker answering");
    await seen(sse, after);
    expectEachOnceInOrder(sse.lines(), [before, after]);
    expectNoRepeats(sse.lines());
    expect(sse.statuses().filter((s) => s.state === "error")).toEqual([]);
  }, 300_000);
});
