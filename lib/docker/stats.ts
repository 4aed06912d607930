import "server-only";
import { docker } from "./client";
import { onJsonLines } from "./json-lines";

export interface StatsSample {
  cpuPercent: number; // of one core × 100, like `docker stats`
  memoryBytes: number; // resident set, without page cache
  memoryLimitBytes: number | null;
  networkRxBytesPerSecond: number | null;
  networkTxBytesPerSecond: number | null;
  time: number;
}

interface RawStats {
  cpu_stats?: { cpu_usage?: { total_usage?: number; percpu_usage?: number[] }; system_cpu_usage?: number; online_cpus?: number };
  precpu_stats?: { cpu_usage?: { total_usage?: number }; system_cpu_usage?: number };
  memory_stats?: { usage?: number; limit?: number; stats?: Record<string, number> };
}

/** CPU% and memory from one engine stats frame (cgroup v1 and v2 field names). */
export function sampleFromRaw(s: RawStats, time = Date.now()): StatsSample {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus ?? s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuDelta > 0 && sysDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0;
  const m = s.memory_stats ?? {};
  const st = m.stats ?? {};
  const memoryBytes = st.rss ?? (m.usage != null ? m.usage - (st.inactive_file ?? st.total_inactive_file ?? st.cache ?? 0) : 0);
  const limit = m.limit && m.limit < 2 ** 60 ? m.limit : null;
  return { cpuPercent: Math.round(cpuPercent * 10) / 10, memoryBytes: Math.max(0, memoryBytes), memoryLimitBytes: limit, networkRxBytesPerSecond: null, networkTxBytesPerSecond: null, time };
}

/** Streams samples of one container until the signal aborts or the container stops. */
export async function watchStats(id: string, onSample: (s: StatsSample) => void, signal: AbortSignal): Promise<void> {
  const stream = (await docker().getContainer(id).stats({ stream: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const stop = () => stream.destroy();
  signal.addEventListener("abort", stop, { once: true });
  onJsonLines(stream, (raw) => onSample(sampleFromRaw(raw as RawStats)));
  await new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("error", resolve);
    stream.once("close", resolve);
  });
  signal.removeEventListener("abort", stop);
}
