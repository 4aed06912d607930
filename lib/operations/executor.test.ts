import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProcessRunner } from "@/lib/docker/containers";
import type { ContainerSpec, DeploymentSnapshot, Plan, Step } from "@/lib/synapse/plan-schema";
import { executePlan, type StepRecord } from "./executor";
import type { HealthChecker } from "./health";

function spec(name: string): ContainerSpec {
  return {
    name, image: "synapse", entrypoint: null, cmd: ["python3", "-m", "synapse.app.generic_worker"], env: {}, binds: [],
    networks: [{ name: "net", aliases: [name] }], labels: {}, restartPolicy: "unless-stopped", user: null, ports: [], resources: { nanoCpus: null, memoryBytes: null },
  };
}

type Proc = DeploymentSnapshot["processes"][number];
const proc = (name: string, state = "running"): Proc => ({
  name, type: name === "main" ? "main" : "generic", state, configFile: name === "main" ? null : `workers/${name}.yaml`,
  container: { ...spec(`c-${name}`), id: `id-${name}`, managedByFleet: false },
});

/** Records every call in order; fails the calls it is told to. */
class FakeRunner implements ProcessRunner {
  calls: string[] = [];
  failOn = new Map<string, string>();
  exited = new Set<string>();
  private n = 0;
  private call(what: string) {
    this.calls.push(what);
    const err = this.failOn.get(what);
    if (err) throw new Error(err);
  }
  async create(s: ContainerSpec) {
    this.call(`create ${s.name}`);
    return `new-${++this.n}-${s.name}`;
  }
  async start(id: string) { this.call(`start ${id}`); }
  async stop(id: string) { this.call(`stop ${id}`); }
  async restart(id: string) { this.call(`restart ${id}`); }
  async remove(id: string, force?: boolean) { this.call(`remove ${id}${force ? " force" : ""}`); }
  async specOf(id: string) { return spec(id); }
  async stateOf(id: string) { return this.exited.has(id) ? { state: "exited", exitCode: 1 } : { state: "running", exitCode: null }; }
  async logsTail(id: string) {
    this.calls.push(`logs ${id}`);
    return ["line 1", `${id} said goodbye`];
  }
  async usedHostPorts() { return []; }
  async signal(id: string, signal: string) { this.call(`signal ${id} ${signal}`); }
}

class FakeHealth implements HealthChecker {
  down = new Map<string, string>(); // name → state
  checked: string[][] = [];
  async check(targets: Array<{ name: string; containerId: string | null }>) {
    this.checked.push(targets.map((t) => t.name));
    return targets.map(({ name }) => ({ name, alive: !this.down.has(name), state: this.down.get(name) ?? "running" }));
  }
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-exec-"));
  writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: x\n# keep me\n");
  chmodSync(path.join(dir, "homeserver.yaml"), 0o640);
  mkdirSync(path.join(dir, "workers"));
  writeFileSync(path.join(dir, "workers", "w1.yaml"), "worker_name: w1\n");
  chmodSync(path.join(dir, "workers", "w1.yaml"), 0o600);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function readAll(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else out[p] = `${(statSync(path.join(dir, p)).mode & 0o777).toString(8)} ${readFileSync(path.join(dir, p), "utf8")}`;
    }
  };
  walk("");
  return out;
}

function plan(steps: Step[], files: Plan["files"] = []): Plan {
  return { intent: { kind: "add_worker", type: "generic" }, summary: "test", files, steps, restarts: [], destructive: false, expected: [], warnings: [] };
}

const snapshot = (processes: Proc[]): DeploymentSnapshot => ({ takenAt: "now", files: {}, processes, usedHostPorts: [] });

function harness(processes: Proc[] = [proc("main"), proc("w1")]) {
  const runner = new FakeRunner();
  const health = new FakeHealth();
  const events: StepRecord[] = [];
  const deps = { runner, health, dir, pollMs: 5, onStep: async (s: StepRecord) => void events.push(s) };
  return { runner, health, events, deps, snap: snapshot(processes) };
}

const addW2Files: Plan["files"] = [
  { path: "homeserver.yaml", before: "server_name: x\n# keep me\n", after: "server_name: x\n# keep me\ninstance_map: {}\n" },
  { path: "workers/w2.yaml", before: null, after: "worker_name: w2\n" },
];
const addW2Steps: Step[] = [
  { kind: "write_files", reason: "config" },
  { kind: "create_container", process: "w2", spec: spec("c-w2"), reason: "new" },
  { kind: "start", process: "w2", reason: "new" },
  { kind: "wait_healthy", processes: ["w2"], timeoutMs: 1000, reason: "up" },
];

describe("executePlan", () => {
  it("adds a worker: writes files atomically with the old owner and mode, creates, starts, waits, records every step", async () => {
    const h = harness();
    const result = await executePlan(plan(addW2Steps, addW2Files), h.snap, h.deps);
    expect(result).toEqual({ ok: true });
    expect(h.runner.calls).toEqual(["create c-w2", "start new-1-c-w2"]);
    const files = readAll();
    expect(files["homeserver.yaml"]).toBe("640 server_name: x\n# keep me\ninstance_map: {}\n");
    expect(files["workers/w2.yaml"]).toBe("640 worker_name: w2\n"); // a new file takes homeserver.yaml's mode
    expect(Object.keys(files).some((f) => f.endsWith(".fleet-tmp"))).toBe(false);
    expect(h.events.map((e) => `${e.index}:${e.status}`)).toEqual([
      "0:running", "0:succeeded", "1:running", "1:succeeded", "2:running", "2:succeeded", "3:running", "3:succeeded",
    ]);
    expect(h.events.at(-1)?.message).toMatch(/^healthy after/);
  });

  it("undoes a failed start: files back byte for byte, new file deleted, created container removed, logs kept", async () => {
    const h = harness();
    const before = readAll();
    h.runner.failOn.set("start new-1-c-w2", "Bind for 0.0.0.0:8011 failed: port is already allocated");
    const result = await executePlan(plan(addW2Steps, addW2Files), h.snap, h.deps);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error).toMatch(/Step 3 \(start w2\) failed: .*port is already allocated/);
    expect(result.failedProcess).toBe("w2");
    expect(result.failureLogs).toEqual(["line 1", "new-1-c-w2 said goodbye"]);
    expect(readAll()).toEqual(before);
    expect(h.runner.calls).toEqual(["create c-w2", "start new-1-c-w2", "logs new-1-c-w2", "remove new-1-c-w2 force"]);
    expect(h.health.checked.at(-1)).toEqual(["main", "w1"]);
    const final = new Map(h.events.map((e) => [e.index, e]));
    expect([...final.values()].map((e) => `${e.kind}:${e.status}`)).toEqual([
      "write_files:compensated", "create_container:compensated", "start:failed", "wait_healthy:skipped",
      "write_files:succeeded", "remove_container:succeeded", "wait_healthy:succeeded",
    ]);
    expect(final.get(4)?.reason).toMatch(/^undo: /);
  });

  it("compensates in order: files, remove created, re-create removed, stop started, start stopped, restart changed, wait", async () => {
    const h = harness([proc("main"), proc("w1"), proc("old"), proc("idle", "exited"), proc("stopme")]);
    h.runner.exited.add("new-1-c-w2");
    h.health.down.set("w2", "exited");
    const steps: Step[] = [
      { kind: "stop", process: "stopme", reason: "" },
      { kind: "write_files", reason: "" },
      { kind: "stop", process: "old", reason: "" },
      { kind: "remove_container", process: "old", reason: "" },
      { kind: "restart", process: "main", reason: "" },
      { kind: "start", process: "idle", reason: "" },
      { kind: "create_container", process: "w2", spec: spec("c-w2"), reason: "" },
      { kind: "start", process: "w2", reason: "" },
      { kind: "wait_healthy", processes: ["main", "w2"], timeoutMs: 5000, reason: "" },
    ];
    const before = readAll();
    const result = await executePlan(plan(steps, addW2Files), h.snap, h.deps);
    expect(result).toMatchObject({ ok: false, failedProcess: "w2", error: expect.stringMatching(/w2 exited with code 1/) });
    expect(readAll()).toEqual(before);
    expect(h.runner.calls.slice(7)).toEqual([
      "logs new-1-c-w2",
      "remove new-1-c-w2 force", // what it created goes
      "create c-old", // what it removed comes back from the snapshot spec…
      "start new-2-c-old", // …and runs, as it did
      "stop id-idle", // was not running before: stopped first, freeing what it holds
      "start id-stopme", // stopped before the config changed: starts on the restored files
      "restart id-main", // loaded the new homeserver.yaml: back onto the old one
    ]);
    expect(h.health.checked.at(-1)).toEqual(["main", "w1", "old", "stopme"]);
  });

  it("a log config edit reloads (SIGHUP) instead of restarting; a failure after it restores the file and reloads again", async () => {
    writeFileSync(path.join(dir, "log.config"), "version: 1\n");
    const h = harness();
    h.health.down.set("w1", "exited");
    const files: Plan["files"] = [{ path: "log.config", before: "version: 1\n", after: "version: 1\nroot: {level: DEBUG}\n" }];
    const steps: Step[] = [
      { kind: "write_files", reason: "" },
      { kind: "reload", process: "main", reason: "" },
      { kind: "reload", process: "w1", reason: "" },
      { kind: "wait_healthy", processes: ["main", "w1"], timeoutMs: 1000, reason: "" },
    ];
    const before = readAll();
    const result = await executePlan(plan(steps, files), h.snap, h.deps);
    expect(result).toMatchObject({ ok: false, failedProcess: "w1" });
    expect(readAll()).toEqual(before);
    expect(h.runner.calls).toEqual(["signal id-main SIGHUP", "signal id-w1 SIGHUP", "logs id-w1", "signal id-main SIGHUP", "signal id-w1 SIGHUP"]);
  });

  it("refuses to write over a file that changed on disk since the plan, and touches nothing", async () => {
    const h = harness();
    writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: x\n# edited by hand\n");
    const before = readAll();
    const result = await executePlan(plan(addW2Steps, addW2Files), h.snap, h.deps);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/homeserver.yaml changed on disk since the plan/) });
    expect(readAll()).toEqual(before);
    expect(h.runner.calls).toEqual([]);
    expect(h.health.checked).toEqual([]); // nothing changed, so nothing to undo or wait for
  });

  it("gives up waiting after the step's timeout and names the process that does not answer", async () => {
    const h = harness();
    h.health.down.set("w1", "running");
    const steps: Step[] = [{ kind: "restart", process: "w1", reason: "" }, { kind: "wait_healthy", processes: ["w1"], timeoutMs: 50, reason: "" }];
    const result = await executePlan(plan(steps), h.snap, h.deps);
    expect(result).toMatchObject({ ok: false, failedProcess: "w1", error: expect.stringMatching(/w1 \(not answering its health check\)/) });
    expect(result.ok === false && result.failureLogs).toEqual(["line 1", "id-w1 said goodbye"]);
  });

  it("reports a failing undo step next to the original cause", async () => {
    const h = harness();
    h.runner.failOn.set("start new-1-c-w2", "no space left");
    h.runner.failOn.set("remove new-1-c-w2 force", "engine said no");
    const result = await executePlan(plan(addW2Steps, addW2Files), h.snap, h.deps);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/no space left\. Undoing it also failed: remove_container w2: .*engine said no/) });
  });

  it("refuses file paths outside the config directory", async () => {
    const h = harness();
    const result = await executePlan(plan([{ kind: "write_files", reason: "" }], [{ path: "../evil", before: null, after: "x" }]), h.snap, h.deps);
    expect(result).toMatchObject({ ok: false, error: expect.stringMatching(/outside the config directory/) });
  });
});
