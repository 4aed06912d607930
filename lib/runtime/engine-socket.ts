import "server-only";
import { constants, type Stats } from "node:fs";
import fs from "node:fs/promises";
import { engineReachable } from "@/lib/docker/client";
import type { StartupFinding } from "./finding";

const DEFAULT_SOCKET = "/var/run/docker.sock";

/** The unix socket the engine client talks to (as dockerode picks it), or null for tcp:// or ssh:// engines. */
export function engineSocketPath(env: Record<string, string | undefined> = process.env): string | null {
  const host = env.DOCKER_HOST?.trim();
  if (!host) return DEFAULT_SOCKET;
  if (host.startsWith("unix://")) return host.slice("unix://".length) || DEFAULT_SOCKET;
  return null;
}

export interface SocketProbe {
  stat(p: string): Promise<Stats>;
  /** Resolves when this process may read and write the path (access(2) with R_OK|W_OK). */
  canOpen(p: string): Promise<void>;
  ping(): Promise<boolean>;
  uid: number;
  groups: number[];
}

const realProbe = (): SocketProbe => ({
  stat: (p) => fs.stat(p),
  canOpen: (p) => fs.access(p, constants.R_OK | constants.W_OK),
  ping: () => engineReachable(3_000),
  uid: process.getuid?.() ?? -1,
  groups: process.getgroups?.() ?? [],
});

const MOUNT_FIX = [
  "mount the engine's socket into the container:",
  "  docker run -v /var/run/docker.sock:/var/run/docker.sock --group-add \"$(stat -c %g /var/run/docker.sock)\" …",
  "  compose: volumes: [\"/var/run/docker.sock:/var/run/docker.sock\"] and group_add: [\"<gid of the socket>\"]",
].join("\n");

/**
 * Whether the engine can be used, and if not, why in terms of the mount: missing, not a socket,
 * not opened by this user's groups, or there but not answering. Never throws: the dashboard
 * starts either way and its engine routes answer 503 with the cause.
 */
export async function checkEngineSocket(
  env: Record<string, string | undefined> = process.env,
  probe: SocketProbe = realProbe(),
): Promise<StartupFinding> {
  const socket = engineSocketPath(env);
  const where = socket ?? `DOCKER_HOST=${env.DOCKER_HOST}`;
  if (socket) {
    let st: Stats;
    try {
      st = await probe.stat(socket);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      const why = code === "ENOENT" ? "does not exist in this container" : `cannot be looked at (${code ?? (err as Error).message})`;
      return { check: "engine_socket", status: "problem", message: `the Docker socket ${socket} ${why}: discovery and every change answer 503 engine_unreachable`, fix: MOUNT_FIX };
    }
    if (!st.isSocket()) {
      return { check: "engine_socket", status: "problem", message: `${socket} is not a socket (a directory or file was mounted in its place)`, fix: MOUNT_FIX };
    }
    try {
      await probe.canOpen(socket);
    } catch {
      const mode = (st.mode & 0o777).toString(8).padStart(4, "0");
      return {
        check: "engine_socket",
        status: "problem",
        message:
          `the Docker socket ${socket} (owner ${st.uid}, group ${st.gid}, mode ${mode}) cannot be opened by uid ${probe.uid} ` +
          `with groups [${probe.groups.join(", ")}]: discovery and every change answer 503 engine_unreachable`,
        fix: [
          `give the container the socket's group id, as the host numbers it:`,
          `  docker run --group-add ${st.gid} …   (on the host: stat -c %g /var/run/docker.sock)`,
          `  compose: group_add: ["${st.gid}"]`,
        ].join("\n"),
      };
    }
  }
  if (!(await probe.ping())) {
    return {
      check: "engine_socket",
      status: "problem",
      message: `the Docker Engine at ${where} does not answer a ping: the dashboard waits for it and answers 503 engine_unreachable meanwhile`,
      fix: "start the engine (systemctl start docker) or point DOCKER_HOST at one that runs",
    };
  }
  return { check: "engine_socket", status: "ok", message: `the Docker Engine answers at ${where}` };
}
