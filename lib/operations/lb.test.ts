import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { ProcessRunner } from "@/lib/docker/containers";
import type { ContainerSpec, DeploymentSnapshot, Plan, Step } from "@/lib/synapse/plan-schema";
import { executePlan, type StepRecord } from "./executor";
import type { HealthChecker } from "./health";
import { captureLoadBalancer, type LoadBalancerControl } from "./lb";

const OLD = "# old routes\nupstream synapse_main { server synapse:8008; }\n";
const NEW = "# new routes\nupstream synapse_main { server synapse:8008; }\n";
const FILE = "nginx/synapse.conf";

/** Every call in one list, so the order of file swaps, checks and reloads can be asserted. */
let calls: string[];
let dir: string;

class FakeLb implements LoadBalancerControl {
  refuse: string | null = null;
  async check(id: string) {
    calls.push(`nginx -t ${id}: ${readFileSync(path.join(dir, FILE), "utf8").split("\n")[0]}`);
    return this.refuse ? { ok: false, message: this.refuse } : { ok: true, message: "ok" };
  }
  async reload(id: string) {
    calls.push(`nginx -s reload ${id}`);
  }
}

const runner = {
  async create(s: ContainerSpec) {
    calls.push(`create ${s.name}`);
    return `id-${s.name}`;
  },
  async start(id: string) {
    calls.push(`start ${id}`);
  },
  async stop(id: string) {
    calls.push(`stop ${id}`);
    throw new Error("the engine said no");
  },
  async restart() {},
  async remove(id: string) {
    calls.push(`remove ${id}`);
  },
  async specOf(): Promise<ContainerSpec> {
    throw new Error("unused");
  },
  async stateOf() {
    return { state: "running", exitCode: null };
  },
  async logsTail() {
    return [];
  },
  async usedHostPorts() {
    return [];
  },
  async signal() {},
} satisfies ProcessRunner;

const health: HealthChecker = { check: async (targets) => targets.map(({ name }) => ({ name, alive: true, state: "running" })) };

const worker = { name: "w2", type: "generic" as const, state: "running", configFile: null };
const spec = (name: string): ContainerSpec => ({
  name, image: "synapse", entrypoint: null, cmd: [], env: {}, binds: [], networks: [{ name: "net", aliases: [name] }], labels: {}, restartPolicy: "no", user: null, ports: [],
  resources: { nanoCpus: null, memoryBytes: null },
});

function snapshot(): DeploymentSnapshot {
  return {
    takenAt: "", files: { [FILE]: OLD }, usedHostPorts: [],
    processes: [{ ...worker, name: "w1", container: { ...spec("w1"), id: "id-w1", managedByFleet: true } }],
    loadBalancer: { kind: "nginx", name: "lb", containerId: "lb-id", state: "running", configFile: FILE, check: { ok: true, message: "ok" } },
  };
}

const reloadStep = (before: string | null, after: string): Step => ({ kind: "reload_lb", process: "lb", path: FILE, before, after, reason: "test" });
const plan = (steps: Step[]): Plan => ({
  intent: { kind: "add_worker", type: "generic" }, summary: "", files: [], steps, restarts: [], destructive: false, expected: [], warnings: [],
});

async function run(steps: Step[], lb: FakeLb) {
  const records: StepRecord[] = [];
  const result = await executePlan(plan(steps), snapshot(), { runner, health, dir, lb, pollMs: 1, onStep: async (r) => void records.push(r) });
  return { result, records };
}

beforeEach(() => {
  calls = [];
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-lb-"));
  writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: x\n");
  mkdirSync(path.join(dir, "nginx"));
  writeFileSync(path.join(dir, FILE), OLD);
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const onDisk = () => readFileSync(path.join(dir, FILE), "utf8");

describe("the reload_lb step", () => {
  it("swaps the file in, lets nginx check it, then reloads", async () => {
    const { result } = await run([reloadStep(OLD, NEW)], new FakeLb());
    expect(result).toEqual({ ok: true });
    expect(onDisk()).toBe(NEW);
    expect(calls).toEqual(["nginx -t lb-id: # new routes", "nginx -s reload lb-id"]);
  });

  it("a file nginx refuses fails the operation with nginx's message; the old file is back and loaded again", async () => {
    const lb = new FakeLb();
    lb.refuse = 'nginx: [emerg] host not found in upstream "gone:8009" in /etc/nginx/conf.d/synapse.conf:12';
    const checks: string[] = [];
    const orig = lb.check.bind(lb);
    lb.check = async (id) => {
      const r = await orig(id);
      checks.push(onDisk());
      lb.refuse = null; // only the new file is refused: the restored one passes
      return r;
    };
    const { result, records } = await run([reloadStep(OLD, NEW)], lb);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error).toContain('nginx -t refused nginx/synapse.conf: nginx: [emerg] host not found in upstream "gone:8009"');
    expect(onDisk()).toBe(OLD);
    expect(calls).toEqual(["nginx -t lb-id: # new routes", "nginx -t lb-id: # old routes", "nginx -s reload lb-id"]);
    const undone = records.filter((r) => r.reason.startsWith("undo") && r.status !== "running");
    expect(undone.map((r) => `${r.kind} ${r.status}`)).toEqual(["write_files succeeded", "reload_lb succeeded", "wait_healthy succeeded"]);
  });

  it("a later failure puts the file back and reloads nginx after the stopped worker runs again", async () => {
    const steps: Step[] = [reloadStep(OLD, NEW), { kind: "stop", process: "w1", reason: "drained" }];
    const { result } = await run(steps, new FakeLb());
    expect(result.ok).toBe(false);
    expect(onDisk()).toBe(OLD);
    expect(calls).toEqual(["nginx -t lb-id: # new routes", "nginx -s reload lb-id", "stop id-w1", "nginx -t lb-id: # old routes", "nginx -s reload lb-id"]);
  });

  it("refuses a file that changed on disk since the plan, touching nothing", async () => {
    writeFileSync(path.join(dir, FILE), "# edited meanwhile\n");
    const { result } = await run([reloadStep(OLD, NEW)], new FakeLb());
    expect(!result.ok && result.error).toMatch(/nginx\/synapse\.conf changed on disk since the plan was made/);
    expect(onDisk()).toBe("# edited meanwhile\n");
    expect(calls).toEqual([]);
  });

  it("refuses a target that is not the snapshot's load balancer", async () => {
    const { result } = await run([{ ...reloadStep(OLD, NEW), process: "someone-else" } as Step], new FakeLb());
    expect(!result.ok && result.error).toMatch(/someone-else is not this deployment's load balancer/);
    expect(onDisk()).toBe(OLD);
  });
});

describe("captureLoadBalancer", () => {
  const unit = (name: string, labels: Record<string, string>, state = "running") => ({
    id: `id-${name}`, name, image: "img", state, status: "", dockerHealth: null, labels, argv: [], env: null, mounts: [], networks: [], ports: [], createdAt: "", startedAt: null,
  });
  const lbLabels = { "io.synapse-fleet.role": "load-balancer", "io.synapse-fleet.lb.kind": "nginx" };

  it("finds the labelled nginx, reads its file and records nginx -t", async () => {
    const lb = new FakeLb();
    lb.refuse = "nginx: [emerg] unexpected end of file";
    const got = await captureLoadBalancer([unit("redis", {}), unit("lb", lbLabels)], dir, lb);
    expect(got).toEqual({
      loadBalancer: { kind: "nginx", name: "lb", containerId: "id-lb", state: "running", configFile: FILE, check: { ok: false, message: "nginx: [emerg] unexpected end of file" } },
      text: OLD,
    });
  });

  it("none: null; a stopped one is not checked", async () => {
    expect(await captureLoadBalancer([unit("redis", {})], dir, new FakeLb())).toBeNull();
    const got = await captureLoadBalancer([unit("lb", lbLabels, "exited")], dir, new FakeLb());
    expect(got?.loadBalancer.check).toBeNull();
    expect(calls).toEqual([]);
  });
});
