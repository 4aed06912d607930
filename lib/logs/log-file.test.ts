import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { fileOnlyTarget, insideDir } from "./log-file";
import { FileLineStamper } from "./file-tail";

const tmp = mkdtempSync(path.join(os.tmpdir(), "fleet-logfile-"));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe("which log a worker writes", () => {
  it("is the file when the root logger writes only to a file", () => {
    const handlers = { file: { class: "logging.handlers.TimedRotatingFileHandler", filename: "/data/logs/w1.log" }, console: { class: "logging.StreamHandler" } };
    expect(fileOnlyTarget({ handlers, root: { handlers: ["file"] } })).toBe("/data/logs/w1.log");
    expect(fileOnlyTarget({ handlers, root: { handlers: ["file", "console"] } })).toBeNull();
    expect(fileOnlyTarget({ handlers, root: { handlers: ["console"] } })).toBeNull();
    expect(fileOnlyTarget(null)).toBeNull();
  });

  it("is tailed only inside the config dir, symlinks resolved", async () => {
    const config = path.join(tmp, "config");
    const outside = path.join(tmp, "outside");
    mkdirSync(path.join(config, "logs"), { recursive: true });
    mkdirSync(outside);
    writeFileSync(path.join(config, "logs", "w1.log"), "x\n");
    writeFileSync(path.join(outside, "secret"), "x\n");
    symlinkSync(path.join(outside, "secret"), path.join(config, "logs", "sneaky.log"));
    expect(await insideDir(path.join(config, "logs", "w1.log"), config)).toBe(path.join(config, "logs", "w1.log"));
    expect(await insideDir(path.join(config, "logs", "new.log"), config)).toBe(path.join(config, "logs", "new.log"));
    expect(await insideDir(path.join(config, "logs", "sneaky.log"), config)).toBeNull();
    expect(await insideDir(path.join(config, "..", "outside", "secret"), config)).toBeNull();
  });

  it("gives file lines ordered, distinct timestamps from Synapse's own time", () => {
    const s = new FileLineStamper(0);
    const a = s.stamp("2026-11-26 18:00:00,123 - synapse - 1 - INFO - - one");
    const b = s.stamp("2026-11-26 18:00:00,123 - synapse - 1 - INFO - - two");
    const trace = s.stamp("Traceback (most recent call last):");
    expect(a.ts).toBe("2026-11-26T18:00:00.123000000Z");
    expect(b.ts > a.ts && trace.ts > b.ts).toBe(true);
  });
});
