// The config directory's filesystem is full (a real 256 KiB tmpfs, filled up): a plan's write is
// refused with the cause, and every file of the directory is as it was, byte for byte, with no
// temporary file left behind — including the file the plan had already replaced before the disk
// ran out. Needs root (mount); the CI machine and `npm test` run as root.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProcessRunner } from "@/lib/docker/containers";
import { executePlan } from "@/lib/operations/executor";
import type { HealthChecker } from "@/lib/operations/health";
import type { DeploymentSnapshot, Plan } from "@/lib/synapse/plan-schema";
import { readTree } from "./lab-env";

let mount: string;

beforeAll(() => {
  if (process.getuid?.() !== 0) throw new Error("this test mounts a tmpfs: run it as root (npm test does)");
  mount = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-full-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", mount]);
});

afterAll(() => {
  if (!mount) return;
  execFileSync("umount", [mount]);
  fs.rmdirSync(mount);
});

// Nothing here touches a container: a plan of one write_files step.
const runner = new Proxy({} as ProcessRunner, { get: () => () => Promise.reject(new Error("no container step in this plan")) });
const health: HealthChecker = { check: async () => [] };
const snapshot: DeploymentSnapshot = { takenAt: new Date().toISOString(), files: {}, processes: [], usedHostPorts: [] };

describe("a config directory on a full filesystem", () => {
  it("refuses the write with ENOSPC and leaves every file exactly as it was, none half-written", async () => {
    const hs = "server_name: fleet.test\nlisteners: []\n";
    const worker = "worker_app: synapse.app.generic_worker\nworker_name: generic_worker1\n";
    fs.writeFileSync(path.join(mount, "homeserver.yaml"), hs);
    fs.mkdirSync(path.join(mount, "workers"));
    fs.writeFileSync(path.join(mount, "workers/generic_worker1.yaml"), worker);
    // Fill the disk, leaving a few KiB: the first (small) change fits, the second (large) one does not.
    const free = () => fs.statfsSync(mount).bavail * fs.statfsSync(mount).bsize;
    fs.writeFileSync(path.join(mount, "filler"), Buffer.alloc(free() - 12 * 1024));
    const before = readTree(mount);

    const plan: Plan = {
      intent: { kind: "add_worker", type: "generic" },
      summary: "a change that does not fit",
      files: [
        { path: "workers/generic_worker1.yaml", before: worker, after: `${worker}# edited\n` },
        { path: "workers/generic_worker2.yaml", before: null, after: `# a large file\n${"x".repeat(200 * 1024)}\n` },
      ],
      steps: [{ kind: "write_files", reason: "write the files" }],
      restarts: [],
      destructive: false,
      expected: [],
      warnings: [],
    };
    const result = await executePlan(plan, snapshot, { runner, health, dir: mount, onStep: async () => undefined });

    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toMatch(/ENOSPC|no space left on device/i);
    expect(readTree(mount)).toEqual(before);
    expect(fs.readdirSync(path.join(mount, "workers")).filter((f) => f.includes(".fleet-tmp"))).toEqual([]);
  });
});
