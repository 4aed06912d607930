import "server-only";
import Docker from "dockerode";
import { FleetError } from "@/lib/errors";

let client: Docker | null = null;

/** The Docker Engine client, from DOCKER_HOST or the default socket. */
export function docker(): Docker {
  // dockerode reads DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH itself when given no options.
  client ??= new Docker();
  return client;
}

/**
 * What the operator can do when the cause is the socket itself: in a container that is a missing
 * mount or a missing group, the two mistakes of running the dashboard beside Synapse.
 */
function socketHint(cause: unknown): string | undefined {
  const code = (cause as { code?: string })?.code;
  if (code === "ENOENT") return "the engine's socket is not there: mount it (-v /var/run/docker.sock:/var/run/docker.sock) or set DOCKER_HOST";
  if (code === "EACCES") return "the engine's socket is there but this user may not open it: add its group (--group-add <gid of the socket on the host>)";
  return undefined;
}

/** The engine is not there (socket gone, refused, reset): every caller answers 503 with this cause. */
export class DockerUnavailableError extends FleetError {
  constructor(cause: unknown) {
    const hint = socketHint(cause);
    super("unavailable", `Docker Engine is unreachable: ${(cause as Error)?.message ?? String(cause)}`, { reason: "engine_unreachable", ...(hint ? { hint } : {}) });
    this.name = "DockerUnavailableError";
  }
}

/** Errors that mean "the engine is not there", as opposed to "the engine said no". */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES" || code === "ECONNRESET" || code === "EPIPE" || code === "ETIMEDOUT";
}

/** Whether the engine answers a ping within `timeoutMs` (after a failure: was it the engine that went away?). */
export async function engineReachable(timeoutMs = 2_000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      docker().ping().then(() => true),
      new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), timeoutMs))),
    ]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
