/**
 * Benchmark: putting back an add a dashboard was killed in the middle of (kill -9 after the new
 * worker started), beside the bare floor — removing that container with the engine's API and
 * writing the two files back. Figures: the put-back operation's own time (start → end as recorded),
 * and the restarted process's whole time to the before state (its start included), against the lab.
 * The dashboard process is tests/fixtures/dashboard.ts (the operations facade in its own process).
 * Knobs: BENCH_RECONCILE_N (rounds, default 3).
 */
import { execFileSync, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { envInt, fmtMs, log, makeTempDir, runMain, sleep, stats, timeMs, waitFor } from "./lib";

const N = envInt("BENCH_RECONCILE_N", 3, 1, 10);
const NAME = "bench_reconcile1";
type Entry = { id: string; restoreOf: string | null; status: string; startedAt: string | null; finishedAt: string | null };

function run(args: string[], env: NodeJS.ProcessEnv): { reports: Array<Record<string, unknown>>; exited: Promise<void>; kill: () => Promise<void> } {
  const child = spawn("npx", ["tsx", "--conditions=react-server", "tests/fixtures/dashboard.ts", ...args], { env, stdio: ["ignore", "pipe", "ignore"], detached: true });
  const reports: Array<Record<string, unknown>> = [];
  let buf = "";
  child.stdout.on("data", (b: Buffer) => {
    buf += b.toString();
    for (let i = buf.indexOf("\n"); i >= 0; i = buf.indexOf("\n")) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.startsWith("{")) reports.push(JSON.parse(line) as Record<string, unknown>);
    }
  });
  const exited = new Promise<void>((r) => child.on("exit", () => r()));
  const alive = () => {
    try {
      process.kill(-child.pid!, 0);
      return true;
    } catch {
      return false;
    }
  };
  const kill = async () => {
    process.kill(-child.pid!, "SIGKILL");
    await waitFor("the killed dashboard gone", async () => (alive() ? null : true), { timeoutMs: 10_000, intervalMs: 20 });
  };
  return { reports, exited, kill };
}

async function main() {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through npm run bench");
  const targets = path.join(configDir, "prometheus/synapse-targets.json");
  const recorded: number[] = [];
  const whole: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < N; i++) {
    const dataDir = makeTempDir("reconcile");
    const pause = path.join(dataDir, "paused");
    const env: NodeJS.ProcessEnv = { ...process.env, FLEET_DATA_DIR: dataDir, FLEET_TEST_HOOKS: "1", FLEET_TEST_PAUSE_AFTER_STEP: "2", FLEET_TEST_PAUSE_FILE: pause };
    delete env.DATABASE_URL;
    const before = fs.readFileSync(targets);

    // 1. Killed after the start of the new worker, then put back by a restarted process.
    const add = run(["start", JSON.stringify({ kind: "add_worker", type: "generic", name: NAME })], env);
    await waitFor("the add paused after the start", async () => (fs.existsSync(pause) ? true : null), { timeoutMs: 120_000, intervalMs: 50 });
    await add.kill();
    const t0 = performance.now();
    const recover = run(["recover"], { ...env, FLEET_TEST_HOOKS: "0" });
    await recover.exited;
    whole.push(performance.now() - t0);
    const history = (recover.reports.find((r) => r.history)?.history ?? []) as Entry[];
    const putBack = history.find((o) => o.restoreOf);
    if (!putBack || putBack.status !== "succeeded" || !putBack.startedAt || !putBack.finishedAt) throw new Error(`no put-back succeeded: ${JSON.stringify(history)}`);
    recorded.push(Date.parse(putBack.finishedAt) - Date.parse(putBack.startedAt));
    if (!fs.readFileSync(targets).equals(before)) throw new Error("the targets file did not come back");

    // 2. The floor: the same half-done state undone by hand.
    fs.rmSync(pause, { force: true });
    const add2 = run(["start", JSON.stringify({ kind: "add_worker", type: "generic", name: NAME })], { ...env, FLEET_DATA_DIR: makeTempDir("reconcile-bare") });
    await waitFor("the second add paused", async () => (fs.existsSync(pause) ? true : null), { timeoutMs: 120_000, intervalMs: 50 });
    await add2.kill();
    const id = execFileSync("docker", ["ps", "-aq", "--filter", `label=io.synapse-fleet.worker=${NAME}`], { encoding: "utf8" }).trim();
    bare.push(
      await timeMs(async () => {
        execFileSync("docker", ["rm", "-f", id]);
        fs.writeFileSync(targets, before);
        fs.rmSync(path.join(configDir, "workers", `${NAME}.yaml`), { force: true });
      }),
    );
    fs.rmSync(pause, { force: true });
    await sleep(1000);
  }
  const r = stats(recorded);
  const w = stats(whole);
  const b = stats(bare);
  log(`put back after kill -9 mid-add (n=${N}): the recorded restore p50 ${fmtMs(r.p50)} ms  max ${fmtMs(r.max)} ms; restarted process to before state (its own start included) p50 ${fmtMs(w.p50)} ms | bare docker rm -f + files p50 ${fmtMs(b.p50)} ms | ratio (recorded) ${(r.p50 / b.p50).toFixed(1)}×`);
}

runMain(main);
