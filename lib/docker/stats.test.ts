import { describe, expect, it } from "vitest";
import { sampleFromRaw } from "./stats";

describe("sampleFromRaw", () => {
  it("computes CPU like docker stats and takes rss on cgroup v1", () => {
    const s = sampleFromRaw(
      {
        cpu_stats: { cpu_usage: { total_usage: 2_000_000 }, system_cpu_usage: 20_000_000, online_cpus: 2 },
        precpu_stats: { cpu_usage: { total_usage: 1_000_000 }, system_cpu_usage: 10_000_000 },
        memory_stats: { usage: 200 * 2 ** 20, limit: 2 ** 63, stats: { rss: 120 * 2 ** 20, cache: 80 * 2 ** 20 } },
      },
      1,
    );
    expect(s).toEqual({ cpuPercent: 20, memoryBytes: 120 * 2 ** 20, memoryLimitBytes: null, time: 1 });
  });

  it("subtracts inactive file pages on cgroup v2", () => {
    expect(sampleFromRaw({ memory_stats: { usage: 100, limit: 1000, stats: { inactive_file: 30 } } }).memoryBytes).toBe(70);
  });
});
