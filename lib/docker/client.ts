import "server-only";
import Docker from "dockerode";

let client: Docker | null = null;

/** The Docker Engine client, from DOCKER_HOST or the default socket. */
export function docker(): Docker {
  // dockerode reads DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH itself when given no options.
  client ??= new Docker();
  return client;
}

export class DockerUnavailableError extends Error {
  constructor(cause: unknown) {
    super(`Docker Engine is unreachable: ${(cause as Error)?.message ?? String(cause)}`);
    this.name = "DockerUnavailableError";
  }
}

/** Errors that mean "the engine is not there", as opposed to "the engine said no". */
export function isUnreachable(err: unknown): boolean {
  const code = (err as { code?: string })?.code;
  return code === "ENOENT" || code === "ECONNREFUSED" || code === "EACCES" || code === "ECONNRESET" || code === "EPIPE" || code === "ETIMEDOUT";
}
