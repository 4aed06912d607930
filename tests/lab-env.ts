import { execFileSync, spawn } from "node:child_process";
import { openSync, readdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";

/** Integration tests need the running lab; say how to get it instead of skipping. */
export function requireLab(): { configDir: string } {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run the tests through `npm test`, which starts the lab");
  return { configDir };
}

export function labContainer(service: string): string {
  const out = execFileSync("docker", ["ps", "-aq", "--no-trunc", "--filter", "label=com.docker.compose.project=fleetlab", "--filter", `label=com.docker.compose.service=${service}`], { encoding: "utf8" }).trim();
  if (!out) throw new Error(`lab service ${service} has no container: is the lab up in workers mode?`);
  return out.split("\n")[0];
}

export function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

export async function eventually<T>(fn: () => Promise<T | undefined | null | false>, timeoutMs: number, what: string): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * What in a config dir is written by Synapse as it runs, not configuration: uploads, and log files
 * (the lab's media worker logs to logs/media_worker.log, rotated as .log.1 …). A change never
 * touches them, and they move on their own, so comparisons of the dir leave them out.
 */
export function isRuntimeOutput(rel: string): boolean {
  const parts = rel.split(path.sep);
  return parts.includes("media_store") || parts[0] === "logs" || /\.log(\.\d+)?$/.test(rel);
}

/** Every config file under a directory, as bytes, by relative path: to prove a change left nothing behind. */
export function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (isRuntimeOutput(p)) continue;
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, readFileSync(path.join(dir, p)));
    }
  };
  walk("");
  return out;
}

/** Every Synapse container of the lab runs, and those with a healthcheck pass it (the federation sender has none). */
export function labSynapseHealthy(processes = 4, timeoutMs = 240_000): Promise<true> {
  return eventually(async () => {
    const names = docker("ps", "-a", "--filter", "label=com.docker.compose.project=fleetlab", "--format", "{{.Names}}").split("\n").filter((n) => /synapse/.test(n));
    if (names.length < processes) return false;
    const states = docker("inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", ...names).split("\n");
    return states.every((s) => s === "running healthy" || s === "running none");
  }, timeoutMs, "the lab's Synapse processes running and healthy");
}

// The Docker Engine itself, for the tests that take it away for real. They run as root (npm test does).

export function engineUp(): boolean {
  try {
    execFileSync("docker", ["info"], { stdio: "ignore", timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

function dockerdRunning(): boolean {
  try {
    execFileSync("pgrep", ["-x", "dockerd"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM to dockerd, then waits until it is gone, not merely shutting down (while it stops the containers it still answers some calls). */
export async function stopEngine(): Promise<void> {
  if (process.getuid?.() !== 0) throw new Error("this test stops and starts dockerd: run it as root (npm test does)");
  execFileSync("pkill", ["-TERM", "-x", "dockerd"]);
  await eventually(async () => !dockerdRunning(), 90_000, "dockerd exited");
}

/** Starts dockerd as scripts/common.sh does (a killed one may leave its socket and pid file behind) and waits until it answers. */
export async function startEngine(): Promise<void> {
  if (!engineUp()) {
    rmSync("/var/run/docker.sock", { force: true });
    rmSync("/var/run/docker.pid", { force: true });
    const out = openSync("/var/log/dockerd.log", "a");
    spawn("dockerd", [], { detached: true, stdio: ["ignore", out, out] }).unref();
  }
  await eventually(async () => engineUp(), 60_000, "dockerd answering");
}

/** A TCP port free on 127.0.0.1 right now, for a server a test starts. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
