import { CannotRun, running, type Check } from "./model";
import { humanWindow, need, seconds } from "./prometheus";

/**
 * Main doing the work the workers are there for: main above 0.8 core, or its reactor's p99 tick
 * above 100 ms, over the last 10 min, while every worker stays under 0.2 core.
 * CPU is Synapse's own process (process_cpu_seconds_total), not its container.
 */

export const MAIN_CPU_CORES = 0.8;
export const MAIN_TICK_P99_SECONDS = 0.1;
export const WORKER_IDLE_CORES = 0.2;

const fmt = (n: number) => n.toFixed(2);

export const mainHotCheck: Check = {
  id: "main-hot",
  title: "Main process load",
  async run(ctx) {
    const w = seconds(ctx.options.mainHotWindowSeconds);
    const human = humanWindow(ctx.options.mainHotWindowSeconds);
    const [cpu, tick] = await Promise.all([
      need(() => ctx.prometheus.instantQuery(`sum by (worker) (rate(process_cpu_seconds_total{worker!=""}[${w}]))`, { signal: ctx.signal })),
      need(() => ctx.prometheus.instantQuery(`histogram_quantile(0.99, sum by (le) (rate(python_twisted_reactor_tick_time_bucket{worker="main"}[${w}])))`, { signal: ctx.signal })),
    ]);
    const mainCpu = cpu.find((r) => r.labels.worker === "main")?.value;
    if (mainCpu === undefined) throw new CannotRun(`Prometheus has no CPU series for main over the last ${human}: is it scraped with worker="main"? (see the scrape check)`);
    const p99 = tick[0]?.value ?? null;
    // Prometheus keeps a removed worker's series for the whole window: judge the processes running
    // now (a departed busy worker must not make main's load look shared). Without the engine, all.
    const now = ctx.dockerError ? null : new Set(running(ctx).map((p) => p.name));
    const workers = cpu.filter((r) => r.labels.worker !== "main" && (now === null || now.has(r.labels.worker)));
    const busyWorkers = workers.filter((r) => r.value >= WORKER_IDLE_CORES);
    const evidence = [
      `main: ${fmt(mainCpu)} cores over the last ${human} (limit ${MAIN_CPU_CORES})`,
      p99 === null ? `main's reactor tick p99: no samples over the last ${human}` : `main's reactor tick p99: ${Math.round(p99 * 1000)} ms over the last ${human} (limit ${MAIN_TICK_P99_SECONDS * 1000} ms)`,
      workers.length === 0 ? "no worker is scraped" : `workers: ${workers.map((r) => `${r.labels.worker} ${fmt(r.value)}`).join(", ")} cores`,
    ];
    const hot = mainCpu > MAIN_CPU_CORES || (p99 !== null && p99 > MAIN_TICK_P99_SECONDS);
    if (!hot) return { status: "pass", evidence, fix: null, process: "main" };
    if (busyWorkers.length > 0) {
      evidence.push(`main is busy, and so are ${busyWorkers.map((r) => r.labels.worker).join(", ")}: the load is shared, not stuck on main`);
      return { status: "pass", evidence, fix: null, process: "main" };
    }
    return {
      status: "warn",
      evidence,
      fix: "Main does the work while the workers idle: add generic workers and route /_matrix/client to them, and move stream writers, federation sending and media off main (Topology → Add worker).",
      process: "main",
    };
  },
};
