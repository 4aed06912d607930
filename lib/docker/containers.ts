import "server-only";
import type Docker from "dockerode";
import type { ContainerSpec } from "@/lib/synapse/plan-schema";
import { envRecord } from "@/lib/synapse/command";
import { docker, DockerUnavailableError, isUnreachable } from "./client";
import { createFields, endpointConfig, endpointRecord, engineRecordFromInspect, isTypedBinding, mountTargets } from "./container-record";
import { forgetInspect } from "./runtime";

/**
 * Creates, starts, stops and removes the processes of a deployment. The executor only sees
 * this interface: containers today (dockerode), Swarm services later, fakes in unit tests.
 */
export interface ProcessRunner {
  /** Creates (does not start) a process from its spec; returns its id. */
  create(spec: ContainerSpec): Promise<string>;
  start(id: string): Promise<void>;
  stop(id: string, timeoutS?: number): Promise<void>;
  restart(id: string, timeoutS?: number): Promise<void>;
  remove(id: string, force?: boolean): Promise<void>;
  /** How the process was made, read back from the engine: enough to re-create it. */
  specOf(id: string): Promise<ContainerSpec>;
  /** running | exited | created | restarting | paused | dead, or "missing" when it is gone. */
  stateOf(id: string): Promise<{ state: string; exitCode: number | null }>;
  /** The last lines of its stdout and stderr, interleaved as the engine stored them. */
  logsTail(id: string, lines: number): Promise<string[]>;
  /** Host ports published by any process on the engine, stopped ones included. */
  usedHostPorts(): Promise<number[]>;
  /** Sends a signal to the process (SIGHUP: Synapse re-reads its log config). */
  signal(id: string, signal: "SIGHUP"): Promise<void>;
}

/** HTTP status codes the engine answers with when the target is already where we want it. */
const NOT_MODIFIED = 304;

async function engine<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    const e = err as { statusCode?: number; json?: { message?: string }; message?: string };
    const message = e.json?.message ?? e.message ?? String(err);
    const wrapped = new Error(`${what}: ${message.replace(/^\(HTTP code \d+\)\s*[\w ]*-\s*/, "")}`);
    (wrapped as Error & { statusCode?: number }).statusCode = e.statusCode;
    throw wrapped;
  }
}

function statusOf(err: unknown): number | undefined {
  return (err as { statusCode?: number })?.statusCode;
}

/** Splits the engine's multiplexed log stream (8-byte frame headers) into text; TTY logs are raw. */
export function demultiplexLogs(buf: Buffer): string {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const streamType = buf[i];
    const size = buf.readUInt32BE(i + 4);
    if (streamType > 2 || buf[i + 1] !== 0 || buf[i + 2] !== 0 || buf[i + 3] !== 0) return buf.toString("utf8"); // not multiplexed
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  if (i < buf.length && parts.length === 0) return buf.toString("utf8");
  return Buffer.concat(parts).toString("utf8");
}

/** "8009/tcp" → 8009; only TCP ports are typed (Synapse listens on nothing else); others stay in the engine record. */
function tcpPort(key: string): number | null {
  const m = /^(\d+)\/tcp$/.exec(key);
  return m ? Number(m[1]) : null;
}

/** The network the container's mode names first, then the others by name (inspect lists them by name). */
function networksInModeOrder(info: Docker.ContainerInspectInfo): Array<[string, Record<string, unknown>]> {
  const mode = info.HostConfig?.NetworkMode === "default" ? "bridge" : info.HostConfig?.NetworkMode;
  const entries = Object.entries((info.NetworkSettings?.Networks ?? {}) as Record<string, Record<string, unknown>>);
  return [...entries.filter(([n]) => n === mode), ...entries.filter(([n]) => n !== mode)];
}

/** Reads a container's spec from inspect: the inverse of create(), the engine's whole definition included. */
export function specFromInspect(info: Docker.ContainerInspectInfo): ContainerSpec {
  const hc = info.HostConfig ?? {};
  const binds = [...(hc.Binds ?? [])];
  const recorded = new Set([...binds.map((b) => b.split(":")[1]), ...mountTargets(info)]);
  for (const m of info.Mounts ?? []) {
    if (recorded.has(m.Destination)) continue;
    // Anonymous volumes (an image's VOLUME) keep their data when referenced by name.
    if (m.Type === "volume" && m.Name) binds.push(`${m.Name}:${m.Destination}${m.RW === false ? ":ro" : ""}`);
    else if (m.Type === "bind") binds.push(`${m.Source}:${m.Destination}${m.RW === false ? ":ro" : ""}`);
  }
  // The engine adds the short container id and the hostname as aliases itself; a re-created container gets its own.
  const engineAliases = new Set([info.Id.slice(0, 12), info.Config.Hostname]);
  const networks = networksInModeOrder(info).map(([name, n]) => {
    const endpoint = endpointRecord(n);
    return {
      name,
      aliases: ((n.Aliases ?? []) as string[]).filter((a) => !engineAliases.has(a)),
      ...(endpoint ? { endpoint } : {}),
    };
  });
  const ports: ContainerSpec["ports"] = [];
  for (const [key, bindings] of Object.entries(hc.PortBindings ?? {})) {
    const container = tcpPort(key);
    if (container === null) continue;
    for (const b of (bindings as Array<{ HostIp?: string; HostPort?: string }> | null) ?? []) {
      if (isTypedBinding(key, b)) ports.push({ container, host: Number(b.HostPort), hostIp: b.HostIp ?? "" });
    }
  }
  const entrypoint = info.Config.Entrypoint;
  return {
    name: info.Name.replace(/^\//, ""),
    image: info.Config.Image,
    entrypoint: entrypoint == null ? null : [entrypoint].flat(),
    cmd: [info.Config.Cmd ?? []].flat(),
    env: envRecord(info.Config.Env),
    binds,
    networks,
    labels: info.Config.Labels ?? {},
    restartPolicy: hc.RestartPolicy?.Name ?? "",
    user: info.Config.User ? info.Config.User : null,
    ports,
    resources: { nanoCpus: hc.NanoCpus || null, memoryBytes: hc.Memory || null },
    engine: engineRecordFromInspect(info),
  };
}

/** The engine's create options for a spec: its record with the typed fields on top; first network at create time, the others connected after. */
export function createOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  const [first] = spec.networks;
  const { config, hostConfig } = createFields(spec);
  return {
    ...config,
    name: spec.name,
    Image: spec.image,
    Entrypoint: spec.entrypoint ?? undefined,
    Cmd: spec.cmd,
    Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
    Labels: spec.labels,
    User: spec.user ?? undefined,
    HostConfig: hostConfig,
    NetworkingConfig: first ? { EndpointsConfig: { [first.name]: endpointConfig(first) } } : undefined,
  } as Docker.ContainerCreateOptions;
}

/** ProcessRunner over plain Docker containers. */
export class ContainerRunner implements ProcessRunner {
  constructor(private readonly api: Docker = docker()) {}

  async create(spec: ContainerSpec): Promise<string> {
    const c = await engine(`create ${spec.name}`, () => this.api.createContainer(createOptions(spec)));
    try {
      for (const n of spec.networks.slice(1)) {
        await engine(`connect ${spec.name} to ${n.name}`, () =>
          this.api.getNetwork(n.name).connect({ Container: c.id, EndpointConfig: endpointConfig(n) }),
        );
      }
    } catch (err) {
      // A half-made container is not one the caller knows about: take it away again.
      await c.remove({ force: true }).catch(() => undefined);
      throw err;
    }
    return c.id;
  }

  async start(id: string): Promise<void> {
    await this.tolerating(NOT_MODIFIED, `start ${id.slice(0, 12)}`, () => this.api.getContainer(id).start());
  }

  async stop(id: string, timeoutS = 10): Promise<void> {
    await this.tolerating(NOT_MODIFIED, `stop ${id.slice(0, 12)}`, () => this.api.getContainer(id).stop({ t: timeoutS }));
  }

  async signal(id: string, signal: "SIGHUP"): Promise<void> {
    await engine(`signal ${id.slice(0, 12)} ${signal}`, () => this.api.getContainer(id).kill({ signal }));
  }

  async restart(id: string, timeoutS = 10): Promise<void> {
    await engine(`restart ${id.slice(0, 12)}`, () => this.api.getContainer(id).restart({ t: timeoutS }));
    forgetInspect(id);
  }

  async remove(id: string, force = false): Promise<void> {
    await this.tolerating(404, `remove ${id.slice(0, 12)}`, () => this.api.getContainer(id).remove({ force }));
  }

  async specOf(id: string): Promise<ContainerSpec> {
    return specFromInspect(await engine(`inspect ${id.slice(0, 12)}`, () => this.api.getContainer(id).inspect()));
  }

  async stateOf(id: string): Promise<{ state: string; exitCode: number | null }> {
    try {
      const info = await this.api.getContainer(id).inspect();
      return { state: info.State.Status, exitCode: info.State.Running ? null : info.State.ExitCode };
    } catch (err) {
      if (statusOf(err) === 404) return { state: "missing", exitCode: null };
      return engine(`inspect ${id.slice(0, 12)}`, () => Promise.reject(err));
    }
  }

  async logsTail(id: string, lines: number): Promise<string[]> {
    const buf = (await engine(`logs of ${id.slice(0, 12)}`, () =>
      this.api.getContainer(id).logs({ stdout: true, stderr: true, tail: lines, follow: false }),
    )) as unknown as Buffer;
    const text = demultiplexLogs(Buffer.isBuffer(buf) ? buf : Buffer.from(String(buf)));
    const out = text.split("\n");
    if (out.at(-1) === "") out.pop();
    return out.slice(-lines);
  }

  async usedHostPorts(): Promise<number[]> {
    const list = await engine("list containers", () => this.api.listContainers({ all: true }));
    const ports = new Set<number>();
    for (const c of list) for (const p of c.Ports ?? []) if (p.PublicPort) ports.add(p.PublicPort);
    // A stopped container lists no ports, but takes its published ones back when it starts.
    await Promise.all(
      list
        .filter((c) => c.State !== "running")
        .map(async (c) => {
          // Gone between the listing and now: it holds no port any more.
          const info = await this.api.getContainer(c.Id).inspect().catch(() => null);
          for (const bindings of Object.values(info?.HostConfig?.PortBindings ?? {})) {
            for (const b of (bindings as Array<{ HostPort?: string }> | null) ?? []) if (Number(b.HostPort) > 0) ports.add(Number(b.HostPort));
          }
        }),
    );
    return [...ports].sort((a, b) => a - b);
  }

  private async tolerating(okStatus: number, what: string, fn: () => Promise<unknown>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      if (statusOf(err) === okStatus) return;
      await engine(what, () => Promise.reject(err));
    }
  }
}
