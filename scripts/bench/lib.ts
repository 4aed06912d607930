/**
 * Shared helpers of the benchmarks (`npm run bench`): cleanup on every exit path, bounded
 * waits, a production server (scripts/server.mjs) with its own database and API token, and timing statistics.
 * Standalone on purpose: nothing here imports lib/ (which is server-only).
 */
import { execFile, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { fileURLToPath } from "node:url";

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export function randomHex(bytes: number): string {
  return randomBytes(bytes).toString("hex");
}

// ------------------------------------------------------------------ cleanup ----

type Cleanup = { what: string; fn: () => Promise<void> | void };
const cleanups: Cleanup[] = [];
let cleaning: Promise<void> | null = null;

/** Registers an undo step; steps run last-in first-out, once, on success, error or signal. */
export function onCleanup(what: string, fn: () => Promise<void> | void): void {
  cleanups.push({ what, fn });
}

export function runCleanups(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const c = cleanups.pop()!;
      try {
        await withTimeout(Promise.resolve(c.fn()), 120_000, `cleanup: ${c.what}`);
      } catch (err) {
        log(`cleanup of ${c.what} failed: ${(err as Error).message}`);
      }
    }
  })();
  return cleaning;
}

/**
 * Runs a benchmark's main function: cleanups always run, and SIGINT/SIGTERM/SIGHUP
 * clean up before exiting (a second signal exits at once).
 */
export function runMain(main: () => Promise<void>): void {
  let signalled = false;
  for (const sig of ["SIGINT", "SIGTERM", "SIGHUP"] as const) {
    process.on(sig, () => {
      if (signalled) process.exit(130);
      signalled = true;
      log(`${sig}: cleaning up`);
      void runCleanups().finally(() => process.exit(130));
    });
  }
  main()
    .then(
      () => 0,
      (err) => {
        log(`FAILED: ${(err as Error)?.stack ?? String(err)}`);
        return 1;
      },
    )
    .then(async (code) => {
      await runCleanups();
      process.exit(code);
    });
}

// ------------------------------------------------------------- bounded waits ----

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Polls `check` until it returns a non-null value; counted and bounded by a deadline. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | null>,
  { timeoutMs, intervalMs = 250 }: { timeoutMs: number; intervalMs?: number },
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const maxTries = Math.ceil(timeoutMs / intervalMs) + 1;
  let last = "";
  for (let i = 0; i < maxTries && Date.now() <= deadline; i++) {
    try {
      const v = await check();
      if (v !== null) return v;
    } catch (err) {
      last = (err as Error).message;
    }
    await sleep(intervalMs);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${last})` : ""}`);
}

/** Runs `fn` over `items` with at most `limit` in flight; results in input order. */
export async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T, i: number) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await fn(items[i], i);
    }
  });
  await Promise.all(lanes);
  return out;
}

// --------------------------------------------------------------- temp dirs ----

/** A temp directory under $BENCH_TMP (set by run.sh, which removes it too) or the OS temp dir. */
export function makeTempDir(prefix: string): string {
  const base = process.env.BENCH_TMP && fs.existsSync(process.env.BENCH_TMP) ? process.env.BENCH_TMP : os.tmpdir();
  // realpath: Docker reports bind-mount sources as given, and discovery compares them to SYNAPSE_CONFIG_DIR.
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(base, `${prefix}-`)));
  onCleanup(`temp dir ${dir}`, () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Records a pid in $BENCH_TMP/pids so run.sh's trap can stop it if this process dies hard. */
function recordPid(pid: number): void {
  const base = process.env.BENCH_TMP;
  if (base && fs.existsSync(base)) fs.appendFileSync(path.join(base, "pids"), `${pid}\n`);
}

/** Records a run id (the value of the bench label) so run.sh's trap can remove what carries it. */
export function recordRunId(id: string): void {
  const base = process.env.BENCH_TMP;
  if (base && fs.existsSync(base)) fs.appendFileSync(path.join(base, "run-ids"), `${id}\n`);
}

// ------------------------------------------------------------------ process ----

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { cwd: ROOT, env, timeout: timeoutMs, killSignal: "SIGKILL", maxBuffer: 4 << 20 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(" ")}: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** Environment of the app and its CLI: SQLite in `dataDir`, never an inherited DATABASE_URL. */
function appEnv(dataDir: string, extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra, FLEET_DATA_DIR: dataDir, NEXT_TELEMETRY_DISABLED: "1" };
  delete env.DATABASE_URL;
  return env;
}

/**
 * Creates the admin (with `adminPassword`, random unless given) and an API token (viewer unless
 * said otherwise) in `dataDir`'s database with the fleet CLI.
 */
export async function createToken(dataDir: string, role: "viewer" | "operator" = "viewer", adminPassword = randomHex(18)): Promise<string> {
  const env = appEnv(dataDir, { FLEET_ADMIN_PASSWORD: adminPassword });
  const cli = ["tsx", "--conditions=react-server", "scripts/fleet.ts"];
  await run("npx", [...cli, "admin", "ensure"], env, 120_000);
  const out = await run("npx", [...cli, "token", "create", "--role", role, "--name", "bench"], env, 120_000);
  const token = out.trim().split("\n").pop()?.trim() ?? "";
  if (!/^sf_\S+$/.test(token)) throw new Error(`token create printed no sf_ token on its last line: ${JSON.stringify(out.slice(-200))}`);
  return token;
}

export interface Server {
  name: string;
  url: string;
  pid: number;
  token: string;
  /** GET a path with the server's bearer token; throws on a non-2xx status. */
  get(pathname: string, timeoutMs?: number): Promise<{ status: number; body: string }>;
  /** Resident set size of the server and its child processes, in bytes. */
  rss(): number;
  stop(): Promise<void>;
}

/**
 * scripts/server.mjs over the production build in .next, with its own temp FLEET_DATA_DIR, admin and
 * viewer token; `env` adds e.g. SYNAPSE_CONFIG_DIR. Stopped by the cleanups at the latest.
 * `opts.adminPassword` sets the admin's password (for signing a browser in); random by default.
 */
export async function startServer(
  name: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  role: "viewer" | "operator" = "viewer",
  opts: { adminPassword?: string } = {},
): Promise<Server> {
  const dataDir = makeTempDir(`data-${name}`);
  const token = await createToken(dataDir, role, opts.adminPassword);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = path.join(dataDir, "server.log");
  const out = fs.openSync(logFile, "a");
  // The production server operators run (npm run demo, the container): it compresses as they get it.
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, "scripts/server.mjs"], {
    cwd: ROOT,
    env: { ...appEnv(dataDir, env), PORT: String(port), FLEET_LISTEN: "127.0.0.1" },
    stdio: ["ignore", out, out],
  });
  fs.closeSync(out);
  const pid = child.pid;
  if (!pid) throw new Error(`${name}: the server did not spawn`);
  recordPid(pid);
  let exited = false;
  const exitedP = new Promise<void>((r) => child.once("exit", () => ((exited = true), r())));

  const stop = async () => {
    if (exited) return;
    child.kill("SIGTERM");
    await Promise.race([exitedP, sleep(5000)]);
    if (!exited) {
      child.kill("SIGKILL");
      await Promise.race([exitedP, sleep(2000)]);
    }
  };
  onCleanup(`server ${name} (pid ${pid})`, stop);

  const get = async (pathname: string, timeoutMs = 30_000) => {
    const res = await fetch(url + pathname, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(timeoutMs) });
    const body = await res.text();
    if (!res.ok) throw new Error(`GET ${pathname}: HTTP ${res.status} ${body.slice(0, 200)}`);
    return { status: res.status, body };
  };

  await waitFor(
    `${name} server on ${url} (log: ${logFile})`,
    async () => {
      if (exited) throw new Error(`the server exited early; log:\n${fs.readFileSync(logFile, "utf8").slice(-2000)}`);
      const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.ok ? true : null;
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return { name, url, pid, token, get, rss: () => treeRss(pid), stop };
}

/** RSS of a process and all its descendants, from /proc (Linux). */
export function treeRss(root: number): number {
  const children = new Map<number, number[]>();
  for (const entry of fs.readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(entry));
      children.set(ppid, list);
    } catch {
      // the process went away meanwhile
    }
  }
  let total = 0;
  const todo = [root];
  for (let guard = 0; todo.length > 0 && guard < 10_000; guard++) {
    const pid = todo.pop()!;
    try {
      const m = /^VmRSS:\s+(\d+) kB/m.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
      if (m) total += Number(m[1]) * 1024;
    } catch {
      continue;
    }
    todo.push(...(children.get(pid) ?? []));
  }
  return total;
}

// -------------------------------------------------------------------- timing ----

export async function timeMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export interface Stats {
  n: number;
  p50: number;
  p95: number;
  mean: number;
  min: number;
  max: number;
}

/** Percentiles by linear interpolation between closest ranks. */
export function stats(samples: number[]): Stats {
  if (samples.length === 0) throw new Error("no samples");
  const s = [...samples].sort((a, b) => a - b);
  const q = (p: number) => {
    const pos = (s.length - 1) * p;
    const lo = Math.floor(pos);
    const hi = Math.ceil(pos);
    return s[lo] + (s[hi] - s[lo]) * (pos - lo);
  };
  return { n: s.length, p50: q(0.5), p95: q(0.95), mean: s.reduce((a, b) => a + b, 0) / s.length, min: s[0], max: s[s.length - 1] };
}

/**
 * Measures two operations side by side: `warmup` untimed rounds, then `n` timed rounds, each
 * running both sequentially in alternating order so that drift affects them alike.
 */
export async function measurePair(
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
  { warmup, n }: { warmup: number; n: number },
): Promise<{ a: number[]; b: number[] }> {
  for (let i = 0; i < warmup; i++) {
    await a();
    await b();
  }
  const ta: number[] = [];
  const tb: number[] = [];
  for (let i = 0; i < n; i++) {
    if (i % 2 === 0) {
      ta.push(await timeMs(a));
      tb.push(await timeMs(b));
    } else {
      tb.push(await timeMs(b));
      ta.push(await timeMs(a));
    }
  }
  return { a: ta, b: tb };
}

export const fmtMs = (v: number) => v.toFixed(1).padStart(8);
export const fmtMiB = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

export function envInt(name: string, dflt: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === "") return dflt;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min || v > max) throw new Error(`${name} must be an integer in [${min}, ${max}]`);
  return v;
}
