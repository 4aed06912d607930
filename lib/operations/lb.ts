import "server-only";
import { execInContainer } from "@/lib/docker/exec";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import { readConfigFile } from "@/lib/fs/safe";
import { lbConfigFromLabels, type LoadBalancer } from "@/lib/synapse/plan-lb";
import type { DeploymentSnapshot, Step } from "@/lib/synapse/plan-schema";
import { applyFileChanges, restoreFiles, verifyBefore, type FileBackup } from "./files";
import { StepFailure, type ExecutionState, type ExecutorDeps } from "./state";

/**
 * The `reload_lb` step and its undo: the nginx entrypoint's config written like any plan file
 * (temp + rename, before checked, backed up), checked by nginx itself, then loaded gracefully.
 */

/** How the executor talks to the load balancer; nginx in a container by default, fakes in unit tests. */
export interface LoadBalancerControl {
  /** `nginx -t`: whether nginx accepts its config as it is on disk now, and what it said. */
  check(containerId: string): Promise<{ ok: boolean; message: string }>;
  /** `nginx -s reload`: new workers take the new config, old ones finish their requests. */
  reload(containerId: string): Promise<void>;
}

export type LbDeps = { lb?: LoadBalancerControl };

/** nginx's lines, one after another: what an operator reads in the step's message. */
function said(output: string): string {
  const text = output.split("\n").map((l) => l.trim()).filter(Boolean).join("; ");
  return text.length > 2000 ? `${text.slice(0, 2000)}…` : text;
}

export const nginxInContainer: LoadBalancerControl = {
  async check(id) {
    const r = await execInContainer(id, ["nginx", "-t", "-q"]);
    // -q keeps only errors: a passing check says nothing, a failing one says nginx's own words.
    return { ok: r.exitCode === 0, message: said(r.output) || (r.exitCode === 0 ? "ok" : `nginx -t exited with ${r.exitCode}`) };
  },
  async reload(id) {
    const before = await nginxWorkers(id);
    const r = await execInContainer(id, ["nginx", "-s", "reload"]);
    if (r.exitCode !== 0) throw new Error(`nginx -s reload exited with ${r.exitCode}: ${said(r.output)}`);
    await settled(id, before);
  },
};

/** How long a reload may take to hand over before the plan goes on anyway (a /sync long-poll keeps an old worker for up to 30 s). */
export const RELOAD_SETTLE_MS = 5_000;
const SETTLE_POLL_MS = 50;

// nginx's process titles: a worker running the current config, and one finishing its requests after a reload.
const LIST_WORKERS = 'for p in /proc/[0-9]*; do c=$(tr "\\0" " " < "$p/cmdline" 2>/dev/null); case "$c" in "nginx: worker process"*) echo "${p#/proc/} $c";; esac; done';

/** The nginx worker processes in the container: those serving, and those still finishing after a reload. */
async function nginxWorkers(id: string): Promise<{ serving: Set<string>; finishing: Set<string> } | null> {
  const r = await execInContainer(id, ["sh", "-c", LIST_WORKERS]).catch(() => null);
  if (!r || r.exitCode !== 0) return null; // no sh or no /proc: the reload is not watched
  const serving = new Set<string>();
  const finishing = new Set<string>();
  for (const line of r.output.split("\n")) {
    const m = /^(\d+) nginx: worker process( is shutting down)?/.exec(line.trim());
    if (m) (m[2] ? finishing : serving).add(m[1]);
  }
  return { serving, finishing };
}

/**
 * `nginx -s reload` returns once the signal is sent; the master then reads the file and starts new
 * workers, and the old ones finish the requests they hold. Waits (bounded) until every serving
 * worker is new — the new routes are in force — and the old ones are gone, so a worker routed away
 * from receives nothing more when the plan stops it next.
 */
async function settled(id: string, before: Awaited<ReturnType<typeof nginxWorkers>>): Promise<void> {
  if (!before || before.serving.size === 0) return;
  const deadline = Date.now() + RELOAD_SETTLE_MS;
  while (Date.now() < deadline) {
    const now = await nginxWorkers(id);
    if (!now) return;
    const old = [...before.serving].filter((pid) => now.serving.has(pid) || now.finishing.has(pid));
    if (now.serving.size > 0 && old.length === 0) return;
    await new Promise((r) => setTimeout(r, SETTLE_POLL_MS));
  }
}

/**
 * The deployment's load balancer for a snapshot: the first container labelled as one (by name),
 * its config file's text, and what `nginx -t` says of that file now — so a plan can refuse to
 * build on a hand edit nginx already rejects, with nginx's own message.
 */
export async function captureLoadBalancer(
  units: RuntimeUnit[],
  dir: string,
  control: LoadBalancerControl = nginxInContainer,
): Promise<{ loadBalancer: LoadBalancer; text: string | null } | null> {
  const found = units
    .flatMap((u) => {
      const configFile = lbConfigFromLabels(u.labels);
      return configFile ? [{ u, configFile }] : [];
    })
    .sort((a, b) => a.u.name.localeCompare(b.u.name))[0];
  if (!found) return null;
  const { u, configFile } = found;
  const text = (await readConfigFile(dir, configFile))?.data.toString("utf8") ?? null;
  const check = u.state === "running" ? await control.check(u.id).catch((err: Error) => ({ ok: false, message: err.message })) : null;
  return { loadBalancer: { kind: "nginx", name: u.name.replace(/^\//, ""), containerId: u.id, state: u.state, configFile, check }, text };
}

/** What reload_lb steps changed, kept beside the executor's state (which compensation reads). */
interface LbTrail {
  backups: FileBackup[];
  createdDirs: string[];
}
const trails = new WeakMap<ExecutionState, LbTrail>();

function lbOf(snapshot: DeploymentSnapshot, name: string) {
  const lb = snapshot.loadBalancer;
  if (!lb || lb.name !== name) throw new StepFailure(`${name} is not this deployment's load balancer`, null);
  return lb;
}

/** Runs one reload_lb step. Throws StepFailure with nginx's message when it refuses the file. */
export async function runReloadLb(step: Extract<Step, { kind: "reload_lb" }>, state: ExecutionState, deps: ExecutorDeps & LbDeps): Promise<string> {
  const dir = deps.dir;
  const lb = lbOf(state.snapshot, step.process);
  const control = deps.lb ?? nginxInContainer;
  const change = { path: step.path, before: step.before, after: step.after };
  await verifyBefore(dir, [change]);
  const trail = trails.get(state) ?? { backups: [], createdDirs: [] };
  trails.set(state, trail);
  const { createdDirs } = await applyFileChanges(dir, [change], trail.backups);
  trail.createdDirs.push(...createdDirs);
  const check = await control.check(lb.containerId).catch((err: Error) => ({ ok: false, message: err.message }));
  if (!check.ok) throw new StepFailure(`nginx -t refused ${step.path}: ${check.message}`, null);
  try {
    await control.reload(lb.containerId);
  } catch (err) {
    throw new StepFailure((err as Error).message, null);
  }
  return `nginx -t passed, ${lb.name} reloaded`;
}

/** Whether a reload_lb step of this operation touched the load balancer's file. */
export function lbTouched(state: ExecutionState): boolean {
  return (trails.get(state)?.backups.length ?? 0) > 0;
}

type Undo = (kind: string, target: string | null, reason: string, fn: () => Promise<string | null | void>) => Promise<boolean>;

/** Compensation's first part: the old file back byte for byte. True when nginx must then load it. */
export async function restoreLbConfig(state: ExecutionState, deps: ExecutorDeps, undo: Undo): Promise<boolean> {
  const trail = trails.get(state);
  const lb = state.snapshot.loadBalancer;
  if (!trail || trail.backups.length === 0 || !lb) return false;
  return undo("write_files", lb.configFile, "put the load balancer's config back as it was", async () => {
    await restoreFiles(deps.dir, trail.backups, trail.createdDirs);
    trail.backups.length = 0;
    return `${lb.configFile} restored`;
  });
}

/**
 * Compensation's second part: nginx checks and loads the restored file. Called once the workers it
 * names run again (nginx resolves their names as it loads), else as soon as the file is back.
 */
export async function reloadRestoredLb(state: ExecutionState, deps: ExecutorDeps & LbDeps, undo: Undo): Promise<void> {
  const lb = state.snapshot.loadBalancer;
  if (!lb) return;
  const control = deps.lb ?? nginxInContainer;
  await undo("reload_lb", lb.name, "nginx loads the restored config", async () => {
    const check = await control.check(lb.containerId);
    if (!check.ok) throw new Error(`nginx -t refused the restored ${lb.configFile}: ${check.message}`);
    await control.reload(lb.containerId);
    return `nginx -t passed, ${lb.name} reloaded`;
  });
}
