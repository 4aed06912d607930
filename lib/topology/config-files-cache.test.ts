import { mkdirSync, mkdtempSync, renameSync, rmSync, statSync, symlinkSync, unlinkSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readHomeserver, readWorkerFile } from "./config-files";

// The parse cache answers from one lstat of the name: these are the ways a file can change under it
// while looking alike (same size, the mtime set back), and each must be read afresh, with the checks.
const root = mkdtempSync(path.join(os.tmpdir(), "fleet-config-cache-"));
const dir = path.join(root, "config");
const outside = path.join(root, "host", "secret.yaml");
mkdirSync(path.join(dir, "workers"), { recursive: true });
mkdirSync(path.dirname(outside));
writeFileSync(outside, "worker_app: synapse.app.generic_worker\nworker_name: SECRET-MARKER\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

const worker = (name: string) => `worker_app: synapse.app.generic_worker\nworker_name: ${name}\n`;

// Whole seconds: a time set through utimes is exact only at what a double of seconds holds.
const FIXED_TIME = 1_700_000_000;

/** Writes `text` at `file` with its mtime at FIXED_TIME (as before the edit too). */
function writeAtFixedTime(file: string, text: string): void {
  writeFileSync(file, text);
  utimesSync(file, FIXED_TIME, FIXED_TIME);
}

/** Writes `text` at `file` and sets its mtime back to what it was: only the inode or ctime tell. */
function writeKeepingMtime(file: string, text: string, how: "in place" | "rename"): void {
  const before = statSync(file);
  expect(before.mtimeMs).toBe(FIXED_TIME * 1000);
  if (how === "rename") {
    writeFileSync(`${file}.tmp`, text);
    renameSync(`${file}.tmp`, file);
  } else {
    writeFileSync(file, text);
  }
  utimesSync(file, FIXED_TIME, FIXED_TIME);
  expect(statSync(file).mtimeMs).toBe(before.mtimeMs);
  expect(statSync(file).size).toBe(before.size);
}

describe("the parse cache of config files", () => {
  it("answers a file seen before from the cache, and re-reads a same-size edit whose mtime was set back", async () => {
    const file = path.join(dir, "workers", "a.yaml");
    writeAtFixedTime(file, worker("wa1"));
    expect((await readWorkerFile(file, "a.yaml", dir)).workerName).toBe("wa1");
    expect((await readWorkerFile(file, "a.yaml", dir)).workerName).toBe("wa1");
    writeKeepingMtime(file, worker("wa2"), "in place");
    expect((await readWorkerFile(file, "a.yaml", dir)).workerName).toBe("wa2");
  });

  it("re-reads a file replaced by rename with the same size and mtime (another inode)", async () => {
    const file = path.join(dir, "workers", "b.yaml");
    writeAtFixedTime(file, worker("wb1"));
    expect((await readWorkerFile(file, "b.yaml", dir)).workerName).toBe("wb1");
    writeKeepingMtime(file, worker("wb2"), "rename");
    expect((await readWorkerFile(file, "b.yaml", dir)).workerName).toBe("wb2");
  });

  it("refuses a cached file that was replaced by a link to a host file", async () => {
    const file = path.join(dir, "workers", "c.yaml");
    writeFileSync(file, worker("wc1"));
    expect((await readWorkerFile(file, "c.yaml", dir)).workerName).toBe("wc1");
    unlinkSync(file);
    symlinkSync(outside, file);
    await expect(readWorkerFile(file, "c.yaml", dir)).rejects.toThrow("c.yaml is a symbolic link: refused");
  });

  it("says a cached file that was removed does not exist", async () => {
    const file = path.join(dir, "workers", "d.yaml");
    writeFileSync(file, worker("wd1"));
    expect((await readWorkerFile(file, "d.yaml", dir)).workerName).toBe("wd1");
    unlinkSync(file);
    await expect(readWorkerFile(file, "d.yaml", dir)).rejects.toThrow("d.yaml does not exist");
  });

  it("checks a file cached for one config dir again for another that does not contain it", async () => {
    const file = path.join(dir, "workers", "e.yaml");
    writeFileSync(file, worker("we1"));
    expect((await readWorkerFile(file, "e.yaml", dir)).workerName).toBe("we1");
    const other = path.join(root, "other-config");
    mkdirSync(other);
    await expect(readWorkerFile(file, "e.yaml", other)).rejects.toThrow("e.yaml lies outside the config directory: refused");
  });

  it("re-reads homeserver.yaml once it changes", async () => {
    const file = path.join(dir, "homeserver.yaml");
    writeAtFixedTime(file, "server_name: one.example\n");
    expect((await readHomeserver(dir)).serverName).toBe("one.example");
    writeKeepingMtime(file, "server_name: two.example\n", "in place");
    expect((await readHomeserver(dir)).serverName).toBe("two.example");
  });
});
