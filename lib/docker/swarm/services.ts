import "server-only";
import type Docker from "dockerode";
import { FleetError } from "@/lib/errors";
import { logSafely } from "@/lib/log";
import type { ContainerSpec } from "@/lib/synapse/plan-schema";
import { docker, DockerUnavailableError, isUnreachable } from "../client";
import { ContainerRunner, demultiplexLogs, type ProcessRunner } from "../containers";
import { nodeEngine, swarmMode } from "./mode";
import { ensureObjects, FILE_LABEL, MANAGED_LABEL, objectFilesOf, objectPrefix, removeObjects, removeUnused } from "./objects";
import { resolveNode, serviceSpecFrom, specFromService, START_NODE_LABEL, type NodeRef, type ObjectRef, type ServiceInfo, type SwarmServiceSpec } from "./service-spec";
import { serviceState, type TaskLike } from "./state";
import { nodeFromRaw, type RawNode } from "./units";
import { probeAlive } from "@/lib/topology/health";

/**
 * ProcessRunner over Swarm services (issue #15 §1): one service per Synapse process, with one
 * replica while it runs and none while it is stopped (a worker_name must never run twice). Ids are
 * service ids. Config files reach the tasks as objects (objects.ts); placement is a node constraint,
 * relaxed once the task runs there unless pinned.
 */

type Task = TaskLike & { ServiceID?: string; NetworksAttachments?: Array<{ Network?: { Spec?: { Ingress?: boolean } }; Addresses?: string[] }> };
type Inspected = ServiceInfo & { Version?: { Index?: number } };

/** A node the manager sees down or disconnected. */
const isDown = (n: { state: string }) => n.state === "down" || n.state === "disconnected";

/** Task states in which its container is (about to be) up. */
const UP = new Set(["assigned", "accepted", "preparing", "ready", "starting", "running"]);
const FAILED = new Set(["failed", "rejected"]);
const DEFAULT_UPDATE_CONFIG = { Order: "stop-first", FailureAction: "pause" };

/** Tasks that existed when this process last started or restarted a service: failures are counted after them. */
const baseline = new Map<string, Set<string>>();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const short = (id: string) => id.slice(0, 12);

/** An engine call: unreachable → DockerUnavailableError (503); the engine's refusals keep their status code. */
async function engine<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof FleetError) throw err;
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    const e = err as { statusCode?: number; json?: { message?: string }; message?: string };
    const wrapped = new Error(`${what}: ${(e.json?.message ?? e.message ?? String(err)).replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, "")}`);
    (wrapped as Error & { statusCode?: number }).statusCode = e.statusCode;
    throw wrapped;
  }
}

const statusOf = (err: unknown) => (err as { statusCode?: number })?.statusCode;

export interface ServiceRunnerOptions {
  /** The config dir as this process sees it (default SYNAPSE_CONFIG_DIR). */
  configDir?: string;
  /** Bound of the waits for a task to run or stop (default 90 s). */
  waitMs?: number;
}

export class ServiceRunner implements ProcessRunner {
  private prefix: Promise<string> | null = null;

  constructor(
    private readonly api: Docker = docker(),
    private readonly options: ServiceRunnerOptions = {},
  ) {}

  private get configDir(): string {
    const dir = this.options.configDir ?? process.env.SYNAPSE_CONFIG_DIR;
    if (!dir) throw new FleetError("unavailable", "SYNAPSE_CONFIG_DIR is not set: config files cannot be given to Swarm services", { reason: "no_config_dir" });
    return dir;
  }

  private get waitMs(): number {
    return this.options.waitMs ?? 90_000;
  }

  /** Object names start with main's stack namespace, so they sort beside the stack's own. */
  objectPrefix(): Promise<string> {
    this.prefix ??= (async () => {
      const { mainServiceId } = await swarmMode(this.api);
      const main = mainServiceId ? await this.inspect(mainServiceId).catch(() => null) : null;
      return objectPrefix(main?.Spec.Labels);
    })();
    return this.prefix;
  }

  private inspect(id: string): Promise<Inspected> {
    return engine(`inspect service ${short(id)}`, () => this.api.getService(id).inspect() as Promise<Inspected>);
  }

  private async tasksOf(id: string): Promise<Task[]> {
    const tasks = (await engine(`tasks of ${short(id)}`, () =>
      this.api.listTasks({ filters: { service: [id] } }).catch((err) => {
        // The filter names a service that is gone (just removed): its tasks may still be shutting down.
        if (statusOf(err) === 404 || /not found/i.test(String((err as Error).message))) return this.api.listTasks();
        throw err;
      }),
    )) as Task[];
    return tasks.filter((t) => t.ServiceID === id);
  }

  /** Ids of the nodes the manager sees down or disconnected. */
  private async downNodes(): Promise<string[]> {
    return (await this.nodes()).filter(isDown).map((n) => n.id);
  }

  private async nodes(): Promise<Array<NodeRef & { state: string; address: string | null }>> {
    const list = (await engine("list nodes", () => this.api.listNodes())) as RawNode[];
    return list.map(nodeFromRaw).map(({ id, hostname, state, address }) => ({ id, hostname, state, address }));
  }

  /**
   * Whether one of `tasks` answers /health where it runs: on its node's address at each port the
   * service publishes there (its overlay address and the ports themselves with FLEET_SWARM_PROBE=overlay,
   * as discovery probes). Synapse serves /health on every http listener.
   */
  private async answersOnItsNode(spec: SwarmServiceSpec, tasks: Task[], nodes: Array<{ id: string; address: string | null }>): Promise<boolean> {
    const ports = (spec.EndpointSpec?.Ports ?? []).filter((p) => (p.Protocol ?? "tcp") === "tcp" && p.TargetPort);
    if (ports.length === 0) return false;
    const overlay = process.env.FLEET_SWARM_PROBE === "overlay";
    const targets = tasks.flatMap((t) => {
      if (overlay) {
        const address = t.NetworksAttachments?.find((a) => !a.Network?.Spec?.Ingress && a.Addresses?.[0])?.Addresses?.[0]?.replace(/\/\d+$/, "");
        return address ? ports.map((p) => ({ address, httpPort: p.TargetPort!, tcpPort: null })) : [];
      }
      const address = nodes.find((n) => n.id === t.NodeID)?.address;
      return address ? ports.filter((p) => p.PublishMode === "host" && p.PublishedPort).map((p) => ({ address, httpPort: p.PublishedPort!, tcpPort: null })) : [];
    });
    return (await Promise.all(targets.map((target) => probeAlive(target)))).some((ok) => ok === true);
  }

  /**
   * ServiceUpdate on the current version; once more on "update out of sequence" (another writer
   * got in between, moby/moby#30794): re-read, re-apply.
   */
  private async update(id: string, change: (spec: SwarmServiceSpec) => SwarmServiceSpec): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      const current = await this.inspect(id);
      const body = change(structuredClone(current.Spec));
      try {
        await engine(`update service ${short(id)}`, () => this.api.getService(id).update({ _query: { version: current.Version?.Index }, _body: body }));
        return;
      } catch (err) {
        if (attempt === 0 && /update out of sequence/i.test((err as Error).message)) continue;
        throw err;
      }
    }
  }

  private async until<T>(what: string, timeoutMs: number, probe: () => Promise<T | null>): Promise<T | null> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await probe();
      if (v !== null) return v;
      if (Date.now() > end) {
        logSafely(`swarm: gave up waiting for ${what} after ${timeoutMs} ms`, new Error("timeout"));
        return null;
      }
      await sleep(400);
    }
  }

  async create(spec: ContainerSpec): Promise<string> {
    const configDir = this.configDir;
    const taken = await this.api.getService(spec.name).inspect().then(() => true, (err) => (statusOf(err) === 404 ? false : engine("inspect service", () => Promise.reject(err))));
    if (taken) throw new FleetError("conflict", `a service named ${spec.name} exists already`, { reason: "name_taken", name: spec.name });
    const [files, nodes] = await Promise.all([objectFilesOf(spec, configDir), this.nodes()]);
    // Checked with placeholder objects first, so bad input is refused before any object is made.
    serviceSpecFrom(spec, { nodes, configDir, objects: files.map((f) => ({ ...f, id: "", name: "" })) }, 0);
    const { refs, created } = await engine(`objects of ${spec.name}`, async () => ensureObjects(this.api, files, configDir, await this.objectPrefix()));
    try {
      const body = serviceSpecFrom(spec, { nodes, configDir, objects: refs }, 0);
      body.UpdateConfig ??= DEFAULT_UPDATE_CONFIG;
      const made = await this.api.createService(body as unknown as Docker.CreateServiceOptions).catch((err) => {
        if (statusOf(err) === 409) throw new FleetError("conflict", `a service named ${spec.name} exists already`, { reason: "name_taken", name: spec.name });
        return engine(`create service ${spec.name}`, () => Promise.reject(err));
      });
      return (made as { id: string }).id;
    } catch (err) {
      // A half-made service is not one the caller knows about: its new objects go again.
      await removeObjects(this.api, created);
      throw err;
    }
  }

  async start(id: string): Promise<void> {
    baseline.set(id, new Set((await this.tasksOf(id)).map((t) => t.ID)));
    await this.update(id, (s) => ({ ...s, Mode: { Replicated: { Replicas: 1 } } }));
    const current = await this.inspect(id);
    if (current.Spec.Labels?.[START_NODE_LABEL] === "start") await this.relaxStartNode(id, current.Spec);
  }

  /**
   * `placement.node` means "start there": once the task runs on that node, a constraints-only update
   * drops the node constraint and Swarm keeps the task where it is (moby/swarmkit#2496), free to move
   * it on a drain. Bounded; a failure here leaves it pinned, which is logged, not thrown.
   */
  private async relaxStartNode(id: string, spec: SwarmServiceSpec): Promise<void> {
    try {
      const ran = await this.until(`${short(id)} to run on its start node`, this.waitMs, async () => {
        const tasks = await this.tasksOf(id);
        if (this.failuresSince(id, tasks) >= 2) return false;
        // A task made since the start or restart: the one before it may still run for a moment.
        // "running", not "starting": with a healthcheck Swarm says running once it passes. Until the
        // worker is up on its start node it stays bound there, so a node lost during the operation
        // fails it (and compensation takes the service away) instead of Swarm moving it elsewhere.
        const known = baseline.get(id);
        const mine = tasks.filter((t) => !known?.has(t.ID));
        if (mine.some((t) => t.DesiredState === "running" && t.Status?.State === "running")) return true;
        // Or it answers /health there already: Swarm's healthcheck runs only every interval (5 s in
        // the lab), and Synapse is up well before the first one.
        // One node listing per round serves both questions.
        const nodes = await this.nodes();
        const started = mine.filter((t) => t.DesiredState === "running" && t.Status?.State === "starting");
        if (started.length > 0 && (await this.answersOnItsNode(spec, started, nodes))) return true;
        // Its start node is down (a task of this start was given to it; Swarm may have replaced that
        // task with one it cannot place): nothing will run there, and the health wait says so at once.
        const down = new Set(nodes.filter(isDown).map((n) => n.id));
        return mine.some((t) => t.NodeID && down.has(t.NodeID)) ? false : null;
      });
      if (!ran) return;
      await this.update(id, (s) => {
        const labels = { ...(s.Labels ?? {}) };
        delete labels[START_NODE_LABEL];
        const constraints = (s.TaskTemplate.Placement?.Constraints ?? []).filter((c) => !/^\s*node\.id\s*==/.test(c));
        return { ...s, Labels: labels, TaskTemplate: { ...s.TaskTemplate, Placement: { ...s.TaskTemplate.Placement, Constraints: constraints } } };
      });
    } catch (err) {
      logSafely(`swarm: could not relax the start node of ${short(id)}; it stays pinned`, err);
    }
  }

  async stop(id: string, timeoutS = 10): Promise<void> {
    await this.update(id, (s) => ({ ...s, Mode: { Replicated: { Replicas: 0 } } }));
    const bound = Math.max(timeoutS * 1000 + 30_000, 5_000);
    const stopped = await this.until(`${short(id)} to stop`, bound, async () => ((await this.tasksOf(id)).some((t) => UP.has(t.Status?.State ?? "")) ? null : true));
    if (!stopped) throw new FleetError("unavailable", `service ${short(id)} still has a running task ${bound / 1000} s after it was scaled to 0`, { reason: "stop_timeout" });
  }

  /**
   * New objects for config files that changed on disk, then a forced update: a new task, stop-first.
   * The scheduler would place a free worker's new task anew (another node, another address): it is
   * held on its node for the update and let free again once the new task runs there.
   */
  async restart(id: string): Promise<void> {
    const configDir = this.configDir;
    const spec = await this.specOf(id);
    const { refs, created } = await engine(`objects of ${short(id)}`, async () => ensureObjects(this.api, await objectFilesOf(spec, configDir), configDir, await this.objectPrefix()));
    const before = await this.tasksOf(id);
    baseline.set(id, new Set(before.map((t) => t.ID)));
    const node = before.find((t) => t.DesiredState === "running" && t.Status?.State === "running")?.NodeID;
    let held = false;
    try {
      await this.update(id, (s) => {
        const next = withObjects(s, refs);
        const constraints = next.TaskTemplate.Placement?.Constraints ?? [];
        held = !!node && !constraints.some((c) => /^\s*node\.(id|hostname)\s*==/.test(c));
        if (!held) return next;
        return {
          ...next,
          Labels: { ...(next.Labels ?? {}), [START_NODE_LABEL]: "start" },
          TaskTemplate: { ...next.TaskTemplate, Placement: { ...next.TaskTemplate.Placement, Constraints: [`node.id==${node}`, ...constraints] } },
        };
      });
    } catch (err) {
      await removeObjects(this.api, created);
      throw err;
    }
    if (held) return this.relaxStartNode(id, (await this.inspect(id)).Spec);
    if (!(await this.inspect(id)).Spec.Mode?.Replicated?.Replicas) return; // stopped: no task to replace
    // Until the old task is replaced: before that, its state and /health are the old process's.
    await this.until(`${short(id)} to have a new task`, this.waitMs, async () => ((await this.tasksOf(id)).some((t) => !baseline.get(id)?.has(t.ID)) ? true : null));
  }

  async remove(id: string): Promise<void> {
    try {
      await this.api.getService(id).remove();
    } catch (err) {
      if (statusOf(err) !== 404) await engine(`remove service ${short(id)}`, () => Promise.reject(err));
    }
    baseline.delete(id);
    // Its host ports are free only once its tasks are gone. A task on a node that is down goes when
    // the node comes back (its engine is told then); it holds no port anyone can reach meanwhile.
    await this.until(`${short(id)}'s tasks to go`, this.waitMs, async () => {
      const tasks = await this.tasksOf(id);
      if (tasks.length === 0) return true;
      const down = new Set(await this.downNodes());
      return tasks.every((t) => t.NodeID && down.has(t.NodeID)) ? true : null;
    });
    const prefix = await this.objectPrefix();
    await engine("remove unused objects", () => removeUnused(this.api, prefix));
  }

  async specOf(id: string): Promise<ContainerSpec> {
    const [service, nodes, networks, tasks, secrets, configs] = await Promise.all([
      this.inspect(id),
      this.nodes(),
      engine("list networks", () => this.api.listNetworks()),
      this.tasksOf(id),
      engine("list secrets", () => this.api.listSecrets({ filters: { label: [`${MANAGED_LABEL}=true`] } })),
      engine("list configs", () => this.api.listConfigs({ filters: { label: [`${MANAGED_LABEL}=true`] } })),
    ]);
    const objects = ([...secrets, ...configs] as unknown as Array<{ ID: string; Spec?: { Labels?: Record<string, string> } }>)
      .filter((o) => o.Spec?.Labels?.[FILE_LABEL])
      .map((o) => ({ id: o.ID, file: o.Spec?.Labels?.[FILE_LABEL] ?? "" }));
    return specFromService(service, { nodes, networks: networks.map((n) => ({ id: n.Id, name: n.Name })), configDir: this.configDir, objects, tasks });
  }

  private failuresSince(id: string, tasks: Task[]): number {
    const before = baseline.get(id);
    return before ? tasks.filter((t) => !before.has(t.ID) && FAILED.has(t.Status?.State ?? "")).length : 0;
  }

  async stateOf(id: string): Promise<{ state: string; exitCode: number | null }> {
    let service: Inspected;
    try {
      service = (await this.api.getService(id).inspect()) as Inspected;
    } catch (err) {
      if (statusOf(err) === 404) return { state: "missing", exitCode: null };
      return engine(`inspect service ${short(id)}`, () => Promise.reject(err));
    }
    const tasks = await this.tasksOf(id);
    const s = serviceState(service.Spec.Mode?.Replicated?.Replicas ?? 0, tasks);
    // Swarm would retry for ever: a task that failed twice since we started it means it will not come up.
    if (this.failuresSince(id, tasks) >= 2) return { state: "exited", exitCode: s.exitCode ?? s.task?.Status?.ContainerStatus?.ExitCode ?? 1 };
    return { state: s.state, exitCode: s.exitCode };
  }

  async logsTail(id: string, lines: number): Promise<string[]> {
    const tail = Math.min(Math.max(Math.trunc(lines), 1), 10_000);
    const buf = (await engine(`logs of ${short(id)}`, () => this.api.getService(id).logs({ stdout: true, stderr: true, tail, follow: false }))) as unknown;
    const out = demultiplexLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf))).split("\n");
    if (out.at(-1) === "") out.pop();
    return out.slice(-tail);
  }

  /** Host-mode ports of every service (a stopped one's spec keeps them) and of the manager's containers. */
  async usedHostPorts(): Promise<number[]> {
    const services = (await engine("list services", () => this.api.listServices())) as Array<{ Spec?: SwarmServiceSpec }>;
    const ports = new Set(await new ContainerRunner(this.api).usedHostPorts());
    for (const s of services) for (const p of s.Spec?.EndpointSpec?.Ports ?? []) if (p.PublishedPort) ports.add(p.PublishedPort);
    return [...ports].sort((a, b) => a - b);
  }

  /** SIGHUP to the running task's container through its node's engine; without one, a restart. */
  async signal(id: string, signal: "SIGHUP"): Promise<void> {
    const tasks = await this.tasksOf(id);
    const running = tasks.find((t) => t.DesiredState === "running" && t.Status?.State === "running");
    const containerId = running?.Status?.ContainerStatus?.ContainerID;
    const hostname = running?.NodeID ? (await this.nodes()).find((n) => n.id === running.NodeID)?.hostname : undefined;
    const api = hostname ? nodeEngine(hostname) : null;
    if (!containerId || !api) return this.restart(id);
    await engine(`signal ${short(id)} ${signal}`, () => api.getContainer(containerId).kill({ signal }));
  }

  /** Where a placement would put a process: its node, resolved (422 naming the known nodes when unknown). */
  async nodeOf(node: string): Promise<NodeRef> {
    return resolveNode(await this.nodes(), node);
  }
}

/** A service spec with its config-dir objects replaced by `refs` (same targets) and a forced update. */
function withObjects(spec: SwarmServiceSpec, refs: ObjectRef[]): SwarmServiceSpec {
  const targets = new Set(refs.map((r) => r.target));
  const cs = spec.TaskTemplate.ContainerSpec;
  const keep = <T extends { File?: { Name?: string } }>(list: T[] | undefined) => (list ?? []).filter((r) => !targets.has(r.File?.Name ?? ""));
  const file = (r: ObjectRef, old: Array<{ File?: { Name?: string } }>) => ({ UID: "0", GID: "0", Mode: 0o444, ...(old.find((o) => o.File?.Name === r.target)?.File ?? {}), Name: r.target });
  const secrets = [...keep(cs.Secrets), ...refs.filter((r) => r.kind === "secret").map((r) => ({ File: file(r, [...(cs.Secrets ?? []), ...(cs.Configs ?? [])]), SecretID: r.id, SecretName: r.name }))];
  const configs = [...keep(cs.Configs), ...refs.filter((r) => r.kind === "config").map((r) => ({ File: file(r, [...(cs.Secrets ?? []), ...(cs.Configs ?? [])]), ConfigID: r.id, ConfigName: r.name }))];
  return {
    ...spec,
    TaskTemplate: {
      ...spec.TaskTemplate,
      ContainerSpec: { ...cs, Secrets: secrets, Configs: configs },
      ForceUpdate: Number(spec.TaskTemplate.ForceUpdate ?? 0) + 1,
    },
  };
}
