import { describe, expect, it } from "vitest";
import { networkTotals, sampleFromRaw } from "./stats";

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
    expect(s).toEqual({ cpuPercent: 20, memoryBytes: 120 * 2 ** 20, memoryLimitBytes: null, networkRxBytesPerSecond: null, networkTxBytesPerSecond: null, time: 1 });
  });

  it("subtracts inactive file pages on cgroup v2", () => {
    expect(sampleFromRaw({ memory_stats: { usage: 100, limit: 1000, stats: { inactive_file: 30 } } }).memoryBytes).toBe(70);
  });
});

describe("network rates", () => {
  const first = {
    read: "2026-12-01T10:00:00.000000000Z",
    networks: { eth0: { rx_bytes: 1_000, tx_bytes: 500 }, eth1: { rx_bytes: 2_000, tx_bytes: 0 } },
  };
  const second = {
    read: "2026-12-01T10:00:02.000000000Z",
    networks: { eth0: { rx_bytes: 5_000, tx_bytes: 2_500 }, eth1: { rx_bytes: 4_000, tx_bytes: 1_000 } },
  };

  it("are null on the first frame of a stream", () => {
    const s = sampleFromRaw(first, 1);
    expect(s.networkRxBytesPerSecond).toBeNull();
    expect(s.networkTxBytesPerSecond).toBeNull();
  });

  it("sum every interface's bytes since the previous frame, per second of the engine's read times", () => {
    // rx: (5000 + 4000) − (1000 + 2000) = 6000 B over 2 s; tx: (2500 + 1000) − 500 = 3000 B over 2 s
    const s = sampleFromRaw(second, 99, networkTotals(first, 1));
    expect(s.networkRxBytesPerSecond).toBe(3_000);
    expect(s.networkTxBytesPerSecond).toBe(1_500);
  });

  it("fall back to the arrival time when the engine gives no read time", () => {
    const a = { networks: { eth0: { rx_bytes: 0, tx_bytes: 0 } } };
    const b = { networks: { eth0: { rx_bytes: 4_096, tx_bytes: 1_024 } } };
    const s = sampleFromRaw(b, 5_000, networkTotals(a, 1_000));
    expect([s.networkRxBytesPerSecond, s.networkTxBytesPerSecond]).toEqual([1_024, 256]);
  });

  it("are null for a container without networks, and when a counter goes backwards", () => {
    expect(sampleFromRaw({ read: second.read }, 1, networkTotals(first, 0)).networkRxBytesPerSecond).toBeNull();
    expect(networkTotals({ networks: {} }, 0)).toBeNull();
    // an interface went away (or counters were reset) since the previous frame: no honest rate
    expect(sampleFromRaw(first, 1, { rxBytes: 10_000, txBytes: 0, time: 0 }).networkRxBytesPerSecond).toBeNull();
  });
});
