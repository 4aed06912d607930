// Shared by the fidelity tests: what "the same container" means in docker inspect, a remove and
// re-create through the runner, and the lab's compose view.
import { spawnSync } from "node:child_process";
import type Docker from "dockerode";
import { ContainerRunner } from "@/lib/docker/containers";
import { docker } from "./lab-env";

export type Inspect = Docker.ContainerInspectInfo;
type Obj = Record<string, unknown>;

export const runner = new ContainerRunner();

export const inspect = (id: string): Inspect => JSON.parse(docker("inspect", id))[0];

/**
 * Inspect minus what the engine assigns to each container, and so must differ after a re-create:
 * Id, Created, State (pid, start time, health log), the per-container files (ResolvConfPath,
 * HostnamePath, HostsPath, LogPath), RestartCount, ExecIDs, GraphDriver (its layer directories),
 * the sandbox (SandboxID, SandboxKey), each endpoint's EndpointID, and the addresses the network's
 * IPAM hands out (IPAddress, MacAddress) unless they were static. The container's own short id,
 * where the engine writes it (Config.Hostname, an alias), becomes a placeholder. The image id is
 * kept: the same name must resolve to the same image.
 */
export function comparable(info: Inspect): Obj {
  const short = info.Id.slice(0, 12);
  const own = (s: unknown) => (s === short ? "<own id>" : s);
  const c = structuredClone(info) as unknown as Obj;
  for (const k of ["Id", "Created", "State", "ResolvConfPath", "HostnamePath", "HostsPath", "LogPath", "RestartCount", "ExecIDs", "GraphDriver", "SizeRw", "SizeRootFs"]) delete c[k];
  const config = c.Config as Obj;
  config.Hostname = own(config.Hostname);
  c.Mounts = [...(info.Mounts ?? [])].sort((a, b) => a.Destination.localeCompare(b.Destination));
  const networks: Obj = {};
  for (const [name, n] of Object.entries(info.NetworkSettings.Networks ?? {})) {
    const { EndpointID: _e, IPAddress, MacAddress, Aliases, ...rest } = n;
    networks[name] = {
      ...rest,
      // As a set: compose disconnects and reconnects a container after create, so the engine's own
      // aliases (short id, hostname) come first there and last after a plain create.
      Aliases: Aliases ? Aliases.map(own).sort() : Aliases,
      IPAddress: n.IPAMConfig?.IPv4Address ? IPAddress : "<assigned>",
      MacAddress: config.MacAddress ? MacAddress : "<assigned>",
    };
  }
  c.NetworkSettings = { Ports: info.NetworkSettings.Ports, Networks: networks };
  return c;
}

/** Removes a container and re-creates it from the spec read back from the engine; started again if it ran. */
export async function recreate(id: string): Promise<{ before: Inspect; after: Inspect; bytes: number }> {
  const before = inspect(id);
  const spec = await runner.specOf(id);
  await runner.remove(id, true);
  const created = await runner.create(spec);
  if (before.State.Running) await runner.start(created);
  return { before, after: inspect(created), bytes: JSON.stringify(spec.engine).length };
}

export function healthOf(name: string): string {
  return docker("inspect", "-f", "{{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", name);
}

/** Every top-level key of Config and HostConfig whose value differs between two containers. */
export function differingFields(a: Inspect, b: Inspect): string[] {
  const out: string[] = [];
  for (const part of ["Config", "HostConfig"] as const) {
    const [x, y] = [a[part] as unknown as Obj, b[part] as unknown as Obj];
    for (const k of new Set([...Object.keys(x), ...Object.keys(y)])) if (JSON.stringify(x[k]) !== JSON.stringify(y[k])) out.push(`${part}.${k}`);
  }
  return out.sort();
}

/** Container ids of the lab's compose project by name. */
export function labIds(): Record<string, string> {
  const out = docker("ps", "-a", "--filter", "label=com.docker.compose.project=fleetlab", "--format", "{{.Names}} {{.ID}}");
  return Object.fromEntries(out.split("\n").filter(Boolean).map((l) => l.split(" ")));
}

export function labUpWorkers(): string {
  const r = spawnSync("bash", ["lab/lab.sh", "up", "workers"], { encoding: "utf8", timeout: 300_000 });
  if (r.status !== 0) throw new Error(`lab up workers failed (${r.status}): ${r.stderr}`);
  return `${r.stdout}\n${r.stderr}`;
}

