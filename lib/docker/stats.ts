import "server-only";
import type Docker from "dockerode";
import { docker } from "./client";
import { onJsonLines } from "./json-lines";
import { SWARM_TASK_LABEL } from "./swarm/units";

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
  /** Cumulative byte counters per interface; absent for a container without networks (e.g. network_mode none). */
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  /** When the engine read this frame (RFC 3339); the interval between two frames is taken from it. */
  read?: string;
}

/** Network totals of one frame, summed over its interfaces, and when they were read. */
export interface NetworkTotals {
  rxBytes: number;
  txBytes: number;
  time: number;
}

export function networkTotals(s: RawStats, time: number): NetworkTotals | null {
  const ifaces = Object.values(s.networks ?? {});
  if (ifaces.length === 0) return null;
  const read = s.read ? Date.parse(s.read) : NaN;
  // The engine's zero time ("0001-01-01T00:00:00Z") parses to a negative number: use the arrival time then.
  const at = Number.isFinite(read) && read > 0 ? read : time;
  return {
    rxBytes: ifaces.reduce((sum, n) => sum + (n.rx_bytes ?? 0), 0),
    txBytes: ifaces.reduce((sum, n) => sum + (n.tx_bytes ?? 0), 0),
    time: at,
  };
}

/**
 * Bytes per second between two frames of one stream; null without a previous frame, without
 * networks, with no time between them, or when a counter went backwards (interfaces changed).
 */
export function networkRates(prev: NetworkTotals | null, cur: NetworkTotals | null): { rx: number; tx: number } | null {
  if (!prev || !cur) return null;
  const seconds = (cur.time - prev.time) / 1000;
  const rx = cur.rxBytes - prev.rxBytes;
  const tx = cur.txBytes - prev.txBytes;
  if (seconds <= 0 || rx < 0 || tx < 0) return null;
  return { rx: rx / seconds, tx: tx / seconds };
}

/**
 * CPU%, memory and network rates from one engine stats frame (cgroup v1 and v2 field names).
 * `previous` is the same stream's previous frame's network totals (the rates need two frames).
 */
export function sampleFromRaw(s: RawStats, time = Date.now(), previous: NetworkTotals | null = null): StatsSample {
  const cpuDelta = (s.cpu_stats?.cpu_usage?.total_usage ?? 0) - (s.precpu_stats?.cpu_usage?.total_usage ?? 0);
  const sysDelta = (s.cpu_stats?.system_cpu_usage ?? 0) - (s.precpu_stats?.system_cpu_usage ?? 0);
  const cpus = s.cpu_stats?.online_cpus ?? s.cpu_stats?.cpu_usage?.percpu_usage?.length ?? 1;
  const cpuPercent = cpuDelta > 0 && sysDelta > 0 ? (cpuDelta / sysDelta) * cpus * 100 : 0;
  const m = s.memory_stats ?? {};
  const st = m.stats ?? {};
  const memoryBytes = st.rss ?? (m.usage != null ? m.usage - (st.inactive_file ?? st.total_inactive_file ?? st.cache ?? 0) : 0);
  const limit = m.limit && m.limit < 2 ** 60 ? m.limit : null;
  const rates = networkRates(previous, networkTotals(s, time));
  return {
    cpuPercent: Math.round(cpuPercent * 10) / 10,
    memoryBytes: Math.max(0, memoryBytes),
    memoryLimitBytes: limit,
    networkRxBytesPerSecond: rates ? Math.round(rates.rx) : null,
    networkTxBytesPerSecond: rates ? Math.round(rates.tx) : null,
    time,
  };
}

/**
 * A Swarm task's container on its node's engine (stats live only there: the manager has none for a
 * task on another node), or null when that engine has no container for the task (yet, or any more).
 */
export async function taskContainerId(api: Docker, taskId: string): Promise<string | null> {
  const list = await api.listContainers({ all: false, filters: JSON.stringify({ label: [`${SWARM_TASK_LABEL}=${taskId}`] }) });
  return list[0]?.Id ?? null;
}

/** Streams samples of one container until the signal aborts or the container stops; `api` is its engine. */
export async function watchStats(id: string, onSample: (s: StatsSample) => void, signal: AbortSignal, api: Docker = docker()): Promise<void> {
  const stream = (await api.getContainer(id).stats({ stream: true })) as unknown as NodeJS.ReadableStream & { destroy(): void };
  const stop = () => stream.destroy();
  signal.addEventListener("abort", stop, { once: true });
  // Rates are against the previous frame of this stream only: a new stream starts again from null.
  let previous: NetworkTotals | null = null;
  onJsonLines(stream, (raw) => {
    const frame = raw as RawStats;
    const time = Date.now();
    onSample(sampleFromRaw(frame, time, previous));
    previous = networkTotals(frame, time);
  });
  await new Promise<void>((resolve) => {
    stream.once("end", resolve);
    stream.once("error", resolve);
    stream.once("close", resolve);
  });
  signal.removeEventListener("abort", stop);
}
