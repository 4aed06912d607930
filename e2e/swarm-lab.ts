import { execFile } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { promisify } from "node:util";
import type { SynapseProcess, Topology } from "@/lib/contract/topology";

/**
 * The swarm lab (lab/swarm) as e2e/swarm.flow.ts sees it: its nodes' addresses, the docker CLI
 * against the manager (DOCKER_HOST, set by playwright.config.ts for FLEET_E2E_TARGET=swarm) or one
 * node's engine, a user registered on its main, and putting the lab back as `swarm.sh up` leaves it.
 * Async on purpose: a blocked event loop lets an idle kept-alive connection to the dashboard close
 * unseen (see lifecycle.flow.ts).
 */

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, "..");
const STATE = path.join(ROOT, "lab", "swarm", ".state");
export const NODES = ["node1", "node2", "node3"] as const;
export type NodeName = (typeof NODES)[number];

/** Where the lab's own workers run after `swarm.sh up` (lab/swarm/README.md), and which stay pinned there. */
export const HOME: Record<string, { node: NodeName; pinned: boolean }> = {
  generic_worker1: { node: "node2", pinned: false },
  media_worker: { node: "node1", pinned: true },
  federation_sender1: { node: "node3", pinned: true },
};

/** A process as the topology gives it on a swarm (issue #15 §4): with its node and its current task. */
export type SwarmProcess = SynapseProcess;

export function swarmProcess(t: Topology, name: string): SwarmProcess {
  const p = t.processes.find((x) => x.name === name);
  if (!p) throw new Error(`no process ${name} in the topology (${t.processes.map((x) => x.name).join(", ")})`);
  return p as SwarmProcess;
}

/** A node's address on the lab's bridge, from FLEET_LAB_SWARM_NODE_ADDRS. */
export function nodeAddress(node: string): string {
  const pairs = (process.env.FLEET_LAB_SWARM_NODE_ADDRS ?? "").split(",").map((p) => p.split("="));
  const hit = pairs.find(([n]) => n === node);
  if (!hit?.[1]) throw new Error(`FLEET_LAB_SWARM_NODE_ADDRS names no ${node}: run with FLEET_E2E_TARGET=swarm`);
  return hit[1];
}

/** A client's URL of a process: the address of the node its task runs on and the port it publishes there. */
export function clientBase(p: SwarmProcess): string {
  const http = p.listeners.find((l) => l.type === "http" && !l.resources.every((r) => r === "replication"));
  const port = p.ports.find((x) => x.container === http?.port && x.host)?.host;
  if (!port) throw new Error(`${p.name} publishes no http port`);
  const hostname = p.node?.hostname;
  if (!hostname) throw new Error(`${p.name} has no node in the topology`);
  return `http://${nodeAddress(hostname)}:${port}`;
}

/** The docker CLI against the manager (DOCKER_HOST) or, with `node`, that node's own engine. */
export async function docker(args: string[], node?: NodeName): Promise<string> {
  const full = node ? ["-H", `unix://${path.join(STATE, node, "docker.sock")}`, ...args] : args;
  const { stdout } = await run("docker", full, { timeout: 120_000, maxBuffer: 8 << 20 });
  return stdout.trim();
}

export const lines = (out: string) => out.split("\n").map((l) => l.trim()).filter(Boolean);

export async function setAvailability(node: NodeName, availability: "active" | "drain"): Promise<void> {
  await docker(["node", "update", "--availability", availability, node]);
}

/** Every node's hostname, status and availability, as the manager sees them. */
export async function nodeStates(): Promise<string[]> {
  return lines(await docker(["node", "ls", "--format", "{{.Hostname}} {{.Status}} {{.Availability}}"])).sort();
}

/** The service of a Synapse process, by the worker label every Synapse service carries; null when none. */
export async function serviceOf(worker: string): Promise<string | null> {
  const ids = lines(await docker(["service", "ls", "-q", "--filter", `label=io.synapse-fleet.worker=${worker}`]));
  if (ids.length > 1) throw new Error(`${ids.length} services for ${worker}: ${ids.join(" ")}`);
  return ids[0] ?? null;
}

/** The hostname of the node running a service's task, or null while none runs. */
export async function taskNode(service: string): Promise<string | null> {
  const rows = lines(await docker(["service", "ps", "--filter", "desired-state=running", "--format", "{{.Node}} {{.CurrentState}}", service]));
  const running = rows.find((r) => r.split(" ")[1] === "Running");
  return running ? running.split(" ")[0] : null;
}

/** Every service, config and secret of the swarm, by name: to prove a failed operation left none of its own. */
export async function swarmObjects(): Promise<{ services: string[]; configs: string[]; secrets: string[] }> {
  const names = async (kind: string) => lines(await docker([kind, "ls", "--format", "{{.Name}}"])).sort();
  const [services, configs, secrets] = await Promise.all([names("service"), names("config"), names("secret")]);
  return { services, configs, secrets };
}

/** Stops a node's dockerd (SIGTERM, by the pid its pidfile names, checked to be a dockerd): a node going away. */
export function stopNodeEngine(node: NodeName): number {
  const pid = Number(fs.readFileSync(path.join(STATE, node, "docker.pid"), "utf8").trim());
  const comm = fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  if (!Number.isInteger(pid) || comm !== "dockerd") throw new Error(`${node}'s pidfile names ${pid} (${comm}), not a dockerd`);
  process.kill(pid, "SIGTERM");
  return pid;
}

/** `lab.sh up swarm`: brings a stopped node back (its tasks restart) and waits until every service is 1/1. */
export async function swarmUp(): Promise<void> {
  await run("bash", [path.join(ROOT, "lab", "lab.sh"), "up", "swarm"], { timeout: 600_000, maxBuffer: 8 << 20 });
}

async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | null>): Promise<T> {
  const end = Date.now() + timeoutMs;
  let last = "";
  for (;;) {
    try {
      const v = await fn();
      if (v !== null) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms: ${what}${last ? ` (last: ${last})` : ""}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/**
 * Puts the lab's own workers back where `swarm.sh up` runs them: a worker elsewhere (moved by a drain,
 * or re-created by a restore) gets its home node's constraint, runs there, and, unless the stack pins
 * it, has the constraint dropped again (a constraints-only update keeps the task, moby/swarmkit#2496).
 */
export async function putLabWorkersHome(): Promise<void> {
  for (const [worker, home] of Object.entries(HOME)) {
    const service = await serviceOf(worker);
    if (!service) throw new Error(`the lab's ${worker} has no service`);
    if ((await taskNode(service)) === home.node) continue;
    const constraint = `node.hostname == ${home.node}`;
    const has = (await docker(["service", "inspect", "-f", "{{json .Spec.TaskTemplate.Placement.Constraints}}", service])).includes(home.node);
    if (!has) await docker(["service", "update", "--detach", "--constraint-add", constraint, service]);
    await until(`${worker} running on ${home.node}`, 240_000, async () => ((await taskNode(service)) === home.node ? true : null));
    if (!home.pinned) await docker(["service", "update", "--detach", "--constraint-rm", constraint, service]);
  }
}

function swarmConfig(): { secret: string } {
  const dir = process.env.SYNAPSE_CONFIG_DIR;
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run with FLEET_E2E_TARGET=swarm");
  const text = fs.readFileSync(path.join(dir, "homeserver.yaml"), "utf8");
  const secret = /^registration_shared_secret:\s*["']?([^"'\n]+)["']?\s*$/m.exec(text)?.[1];
  if (!secret) throw new Error(`no registration_shared_secret in ${dir}/homeserver.yaml`);
  return { secret };
}

/** The swarm's main, as clients reach it: node1's address and its published port. */
export const swarmMain = () => process.env.FLEET_LAB_SWARM_SYNAPSE_URL ?? `http://${nodeAddress("node1")}:8008`;

/** Registers a user through the swarm main's shared-secret admin API (HMAC-SHA1 of nonce, name, password, role). */
export async function registerSwarmUser(prefix: string): Promise<{ user: string; password: string }> {
  const { secret } = swarmConfig();
  const user = `${prefix}_${crypto.randomBytes(4).toString("hex")}`;
  const password = crypto.randomBytes(12).toString("hex");
  const base = swarmMain();
  const nonceRes = await fetch(`${base}/_synapse/admin/v1/register`, { signal: AbortSignal.timeout(30_000) });
  if (!nonceRes.ok) throw new Error(`GET ${base}/_synapse/admin/v1/register: HTTP ${nonceRes.status}`);
  const { nonce } = (await nonceRes.json()) as { nonce: string };
  const mac = crypto.createHmac("sha1", secret).update([nonce, user, password, "notadmin"].join("\0")).digest("hex");
  const res = await fetch(`${base}/_synapse/admin/v1/register`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ nonce, username: user, password, admin: false, mac }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!res.ok) throw new Error(`register ${user} on ${base}: HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
  return { user, password };
}
