import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
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

/** Every file under a directory, as bytes, by relative path: to prove a change left nothing behind. */
export function readTree(dir: string): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  const walk = (rel: string) => {
    for (const e of readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const p = path.join(rel, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.isFile()) out.set(p, readFileSync(path.join(dir, p)));
    }
  };
  walk("");
  return out;
}
