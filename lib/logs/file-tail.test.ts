import { appendFileSync, mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { RawLogLine } from "@/lib/docker/logs";
import { openFileLogs, openFileTails, ROTATED_GRACE_MS, type FileLogStream } from "./file-tail";
import { tsFromMillis } from "./time";

const tsOf = (iso: string) => tsFromMillis(Date.parse(iso), 0);

let root: string;
let dir: string;
let log: string;
let hostFile: string;
let stream: FileLogStream | null = null;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "fleet-tail-"));
  dir = path.join(root, "config");
  log = path.join(dir, "logs", "w1.log");
  hostFile = path.join(root, "host", "shadow");
  mkdirSync(path.dirname(log), { recursive: true });
  mkdirSync(path.dirname(hostFile));
  writeFileSync(log, "one\n");
  writeFileSync(hostFile, "root:SECRET-MARKER\n".repeat(10));
});
afterEach(() => {
  stream?.close();
  stream = null;
  rmSync(root, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function tail() {
  const lines: string[] = [];
  stream = await openFileLogs(log, { follow: true, dir }, (batch: RawLogLine[]) => lines.push(...batch.map((l) => l.text)));
  return lines;
}

/** Waits (up to 3 s) for the tail to deliver `text`. */
async function waitFor(lines: string[], text: string) {
  for (let i = 0; i < 60 && !lines.includes(text); i++) await sleep(50);
  expect(lines).toContain(text);
}

describe("tailing a log file of the config dir", () => {
  it("never streams a host file swapped in as a link, and says why it ended", async () => {
    const lines = await tail();
    appendFileSync(log, "two\n");
    await waitFor(lines, "two");
    rmSync(log);
    symlinkSync(hostFile, log);
    await stream!.done;
    expect(stream!.failure).toBe("log file logs/w1.log is a symbolic link: refused");
    await sleep(500);
    expect(lines.join("\n")).not.toContain("SECRET-MARKER");
    expect(lines).toEqual(["one", "two"]);
  });

  it("keeps streaming across a rotation (rename, new file), with the old file's last lines", async () => {
    const lines = await tail();
    appendFileSync(log, "two\n");
    await waitFor(lines, "two");
    appendFileSync(log, "three\n"); // written just before the rotation: still read from the old descriptor
    renameSync(log, `${log}.1`);
    writeFileSync(log, "four\n");
    await waitFor(lines, "four");
    appendFileSync(log, "five\n");
    await waitFor(lines, "five");
    expect(lines).toEqual(["one", "two", "three", "four", "five"]);
    expect(stream!.failure).toBeNull();
  });

  it("reads the lines a writer adds to the rotated-away file before it reopens (logrotate's create, then SIGHUP), before the new file's", async () => {
    const lines = await tail();
    renameSync(log, `${log}.1`);
    writeFileSync(log, ""); // the new, empty file: the tail moves over to it
    await sleep(600);
    appendFileSync(`${log}.1`, "late\n"); // the writer still holds the old one
    await waitFor(lines, "late");
    appendFileSync(log, "reopened\n");
    await waitFor(lines, "reopened");
    expect(lines).toEqual(["one", "late", "reopened"]);
  });

  it("lets go of the rotated-away file once it has been quiet for the grace period", async () => {
    const lines = await tail();
    renameSync(log, `${log}.1`);
    writeFileSync(log, "new\n");
    await waitFor(lines, "new");
    await sleep(ROTATED_GRACE_MS + 700);
    appendFileSync(`${log}.1`, "too late\n"); // nobody writes to a file quiet this long; if someone does, it is not followed
    appendFileSync(log, "newer\n");
    await waitFor(lines, "newer");
    await sleep(400);
    expect(lines).toEqual(["one", "new", "newer"]);
  }, 15_000);

  it("counts tail only among the lines inside since/until, as the engine does", async () => {
    const at = (s: number) => `2026-12-01 10:00:0${s},000 - synapse - 1 - INFO - - line ${s}`;
    writeFileSync(log, [1, 2, 3, 4, 5].map(at).join("\n") + "\n");
    const lines: string[] = [];
    const s = await openFileLogs(log, { follow: false, tail: 2, since: tsOf("2026-12-01T10:00:02Z"), until: tsOf("2026-12-01T10:00:03Z"), dir }, (b) => lines.push(...b.map((l) => l.text)));
    await s.done;
    expect(lines).toEqual([at(2), at(3)]);
  });

  it("reads a file truncated in place again from its start", async () => {
    const lines = await tail();
    writeFileSync(log, "");
    await sleep(600); // a poll sees it shorter than what was read
    appendFileSync(log, "after\n");
    await waitFor(lines, "after");
    expect(lines).toEqual(["one", "after"]);
  });

  it("refuses at once a log file that is a link, a directory, or outside the dir", async () => {
    rmSync(log);
    symlinkSync(hostFile, log);
    await expect(tail()).rejects.toThrow("log file logs/w1.log is a symbolic link: refused");
    rmSync(log);
    mkdirSync(log);
    await expect(tail()).rejects.toThrow("log file logs/w1.log is a directory, not a regular file: refused");
    await expect(openFileLogs(hostFile, { follow: false, dir }, () => undefined)).rejects.toThrow("log file shadow lies outside the config directory: refused");
  });

  it("waits for a file not written yet, and checks it when it appears", async () => {
    rmSync(log);
    const lines = await tail();
    symlinkSync(hostFile, log);
    await stream!.done;
    expect(stream!.failure).toMatch(/is a symbolic link: refused/);
    expect(lines).toEqual([]);
  });

  it("counts open tails: a follow until closed, a failed one not at all, a read without follow until it ends", async () => {
    const before = openFileTails();
    await tail();
    expect(openFileTails()).toBe(before + 1);
    stream!.close();
    expect(openFileTails()).toBe(before);
    await expect(openFileLogs(hostFile, { follow: true, dir }, () => undefined)).rejects.toThrow(/outside the config directory/);
    expect(openFileTails()).toBe(before);
    const once = await openFileLogs(log, { follow: false, dir }, () => undefined);
    await once.done;
    expect(openFileTails()).toBe(before);
  });

  it("reads the whole file once without follow, then ends", async () => {
    appendFileSync(log, "two\n");
    const lines: string[] = [];
    const s = await openFileLogs(log, { follow: false, tail: 1, dir }, (b) => lines.push(...b.map((l) => l.text)));
    await s.done;
    expect(lines).toEqual(["two"]);
    expect(s.failure).toBeNull();
  });
});
