import "server-only";
import type Docker from "dockerode";
import { docker, DockerUnavailableError, isUnreachable } from "./client";
import { demultiplexLogs } from "./containers";

/** What a command run inside a container said, and how it ended. */
export interface ExecResult {
  exitCode: number | null;
  /** stdout and stderr as the engine interleaved them, at most `maxOutputBytes`. */
  output: string;
}

const MAX_OUTPUT_BYTES = 64 * 1024;

/**
 * Runs a command inside a running container (`docker exec`), without a TTY, and waits for it to
 * end. Used for the load balancer's `nginx -t` and `nginx -s reload`; the command is an argv,
 * never a shell line. A command still running after `timeoutMs` is reported as a failure.
 */
export async function execInContainer(
  id: string,
  argv: string[],
  timeoutMs = 15_000,
  /** `api`: another engine (a swarm node's, where the task's container is); `env`: e.g. a password kept off the argv. */
  opts: { api?: Docker; env?: string[] } = {},
): Promise<ExecResult> {
  try {
    const exec = await (opts.api ?? docker()).getContainer(id).exec({ Cmd: argv, Env: opts.env, AttachStdout: true, AttachStderr: true, Tty: false });
    const stream = await exec.start({ hijack: true, stdin: false });
    const chunks: Buffer[] = [];
    let size = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        stream.destroy();
        reject(new Error(`${argv.join(" ")} did not finish within ${Math.round(timeoutMs / 1000)} s`));
      }, timeoutMs);
      stream.on("data", (c: Buffer) => {
        if (size < MAX_OUTPUT_BYTES) chunks.push(c);
        size += c.length;
      });
      stream.on("end", () => (clearTimeout(timer), resolve()));
      stream.on("close", () => (clearTimeout(timer), resolve()));
      stream.on("error", (err: Error) => (clearTimeout(timer), reject(err)));
    });
    const info = await exec.inspect();
    return { exitCode: info.ExitCode ?? null, output: demultiplexLogs(Buffer.concat(chunks)).slice(0, MAX_OUTPUT_BYTES) };
  } catch (err) {
    if (isUnreachable(err)) throw new DockerUnavailableError(err);
    throw err;
  }
}
