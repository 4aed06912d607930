import "server-only";
import { constants } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { listContainers } from "@/lib/docker/runtime";
import type { StartupFinding } from "./finding";

/**
 * The id of the container this process runs in, from /proc/self/mountinfo: the engine bind-mounts
 * /etc/hostname, /etc/hosts and /etc/resolv.conf from /…/containers/<id>/, and that source path
 * shows up as the mount's root. Works whatever --hostname says; null outside a container.
 */
export function ownContainerId(mountinfo: string): string | null {
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    const [root, mountPoint] = [fields[3], fields[4]];
    if (mountPoint !== "/etc/hostname" && mountPoint !== "/etc/hosts" && mountPoint !== "/etc/resolv.conf") continue;
    const m = /\/containers\/([0-9a-f]{64})\//.exec(root ?? "");
    if (m) return m[1];
  }
  return null;
}

/** Where `dir` (a path inside this container) comes from on the host, through the deepest mount holding it. */
export function hostPathThroughMounts(dir: string, mounts: Array<{ source: string; destination: string }>): string | null {
  const mount = mounts
    .filter((m) => dir === m.destination || dir.startsWith(m.destination.replace(/\/$/, "") + "/"))
    .sort((a, b) => b.destination.length - a.destination.length)[0];
  return mount ? path.join(mount.source, path.relative(mount.destination, dir)) : null;
}

export interface ConfigMountProbe {
  readMountinfo(): Promise<string>;
  hostname: string;
  /** The mounts of the container with this id (or id prefix); null when the engine has no such container. */
  mountsOf(id: string): Promise<Array<{ source: string; destination: string }> | null>;
  hasHomeserver(dir: string): Promise<boolean>;
  /** Whether this process may create files in `dir` (access(2) with W_OK). */
  canWrite(dir: string): Promise<boolean>;
  uid: number;
}

const realProbe: ConfigMountProbe = {
  readMountinfo: () => fs.readFile("/proc/self/mountinfo", "utf8"),
  hostname: os.hostname(),
  async mountsOf(id) {
    const unit = (await listContainers()).find((u) => u.id === id || (id.length >= 12 && u.id.startsWith(id)));
    return unit ? unit.mounts : null;
  },
  hasHomeserver: (dir) => fs.access(path.join(dir, "homeserver.yaml")).then(() => true, () => false),
  canWrite: (dir) => fs.access(dir, constants.W_OK).then(() => true, () => false),
  uid: process.getuid?.() ?? -1,
};

const sameFix = (host: string) =>
  [
    `mount the config directory at the path it has on the host, and name that path:`,
    `  docker run -v ${host}:${host} -e SYNAPSE_CONFIG_DIR=${host} …`,
    `  compose: volumes: ["${host}:${host}"] and environment: SYNAPSE_CONFIG_DIR: ${host}`,
  ].join("\n");

/**
 * Whether SYNAPSE_CONFIG_DIR is, inside this container, the same path as on the host. It must be:
 * the dashboard writes worker files there and new workers get binds and --config-path arguments
 * built from it, which the engine resolves on the host. The host path is learnt from the engine
 * (this container's own mounts), so the operator sets nothing extra. Never throws.
 */
export async function checkConfigMount(
  env: Record<string, string | undefined> = process.env,
  probe: ConfigMountProbe = realProbe,
): Promise<StartupFinding> {
  const raw = env.SYNAPSE_CONFIG_DIR?.trim();
  if (!raw) {
    return {
      check: "config_dir",
      status: "problem",
      message: "SYNAPSE_CONFIG_DIR is not set: worker types cannot be read and no change can be made",
      fix: sameFix("/path/to/synapse/config"),
    };
  }
  const dir = path.resolve(raw);
  const hasHomeserver = await probe.hasHomeserver(dir);
  let id: string | null;
  try {
    id = ownContainerId(await probe.readMountinfo());
  } catch {
    id = null;
  }
  if (!id) {
    if (!hasHomeserver) return { check: "config_dir", status: "problem", message: `${dir} has no homeserver.yaml readable by uid ${probe.uid}`, fix: `set SYNAPSE_CONFIG_DIR to the directory that holds homeserver.yaml` };
    return writable(dir, probe, `${dir} (not in a container: the path is the host's)`);
  }
  let mounts: Array<{ source: string; destination: string }> | null;
  try {
    mounts = await probe.mountsOf(id);
  } catch (err) {
    return { check: "config_dir", status: "unknown", message: `whether ${dir} is the host's path needs the engine (${(err as Error).message})` };
  }
  if (!mounts) return { check: "config_dir", status: "unknown", message: `the engine does not list this container (${id.slice(0, 12)}): the host path of ${dir} is unknown` };
  const host = hostPathThroughMounts(dir, mounts);
  if (!host) {
    return {
      check: "config_dir",
      status: "problem",
      message: `SYNAPSE_CONFIG_DIR=${dir} is not mounted from the host: files the dashboard writes would stay inside this container`,
      fix: sameFix("<the host's config directory>"),
    };
  }
  if (host !== dir) {
    return {
      check: "config_dir",
      status: "problem",
      message:
        `SYNAPSE_CONFIG_DIR=${dir} is ${host} on the host: new workers would be given binds and config paths under ${dir}, ` +
        `which the engine resolves on the host, where it is not the config directory`,
      fix: sameFix(host),
    };
  }
  if (!hasHomeserver) {
    return { check: "config_dir", status: "problem", message: `${dir} is mounted at its host path but has no homeserver.yaml readable by uid ${probe.uid}`, fix: ownerFix(dir) };
  }
  return writable(dir, probe, `${dir} is mounted at the same path as on the host`);
}

const ownerFix = (dir: string) =>
  [
    `run the dashboard as the directory's owner, or give it a group that may write there:`,
    `  docker run --user "$(stat -c %u:%g ${dir})" …   (the socket's --group-add still applies)`,
    `  or: chgrp -R <gid> ${dir} && chmod -R g+rwX ${dir}, then --group-add <gid>`,
  ].join("\n");

/**
 * Reads alone make a dashboard that shows but cannot change: every plan writes worker files here
 * (as this user: files keep their mode, but a non-root writer cannot give them back their owner).
 */
async function writable(dir: string, probe: ConfigMountProbe, okMessage: string): Promise<StartupFinding> {
  if (await probe.canWrite(dir)) return { check: "config_dir", status: "ok", message: okMessage };
  return {
    check: "config_dir",
    status: "problem",
    message: `${okMessage}, but uid ${probe.uid} may not write there: the topology shows, every change fails`,
    fix: ownerFix(dir),
  };
}
