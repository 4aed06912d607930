import { describe, expect, it } from "vitest";
import { fakeContext, prometheusDown } from "./fake-context";
import { mainHotCheck } from "./main-hot";
import { runOne } from "./run";

function prom(cpu: Record<string, number>, p99: number | null) {
  const queries: string[] = [];
  return {
    queries,
    reader: {
      ...fakeContext().prometheus,
      instantQuery: async (q: string) => {
        queries.push(q);
        if (q.includes("reactor")) return p99 === null ? [] : [{ labels: {}, value: p99 }];
        return Object.entries(cpu).map(([worker, value]) => ({ labels: { worker }, value }));
      },
    },
  };
}

describe("main-hot check", () => {
  it("main above 0.8 core while the workers idle warns, over the configured window", async () => {
    const p = prom({ main: 1.1, generic_worker1: 0.05 }, 0.004);
    const r = await runOne(mainHotCheck, fakeContext({ prometheus: p.reader }), []);
    expect(r.status).toBe("warn");
    expect(r.process).toBe("main");
    expect(r.evidence[0]).toBe("main: 1.10 cores over the last 10 min (limit 0.8)");
    expect(p.queries[0]).toContain("[600s]");
  });

  it("a slow reactor (p99 above 100 ms) warns too; the window can be shortened", async () => {
    const p = prom({ main: 0.1, generic_worker1: 0.01 }, 0.25);
    const r = await runOne(mainHotCheck, fakeContext({ prometheus: p.reader, options: { mainHotWindowSeconds: 20, routingWindowSeconds: 900 } }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence[1]).toBe("main's reactor tick p99: 250 ms over the last 20 s (limit 100 ms)");
    expect(p.queries.every((q) => q.includes("[20s]"))).toBe(true);
  });

  it("passes when main is calm, or when the workers are busy as well", async () => {
    expect((await runOne(mainHotCheck, fakeContext({ prometheus: prom({ main: 0.3, generic_worker1: 0 }, 0.01).reader }), [])).status).toBe("pass");
    const shared = await runOne(mainHotCheck, fakeContext({ prometheus: prom({ main: 1.5, generic_worker1: 0.9 }, 0.01).reader }), []);
    expect(shared.status).toBe("pass");
    expect(shared.evidence.at(-1)).toMatch(/so are generic_worker1/);
  });

  it("judges the workers running now: a removed worker's series still in the window is left out", async () => {
    const p = prom({ main: 1.2, generic_worker1: 0.01, generic_worker7: 0.9 }, 0.01);
    const r = await runOne(mainHotCheck, fakeContext({ prometheus: p.reader }), []);
    expect(r.status).toBe("warn");
    expect(r.evidence[2]).toBe("workers: generic_worker1 0.01 cores");
  });

  it("cannot run without Prometheus or without main's series: warns saying why", async () => {
    const down = await runOne(mainHotCheck, fakeContext({ prometheus: { ...fakeContext().prometheus, instantQuery: () => Promise.reject(prometheusDown()) } }), []);
    expect(down.status).toBe("warn");
    expect(down.evidence[0]).toMatch(/^cannot run: Prometheus unreachable: Prometheus at http:\/\/prom:9090 cannot be reached/);
    const unscraped = await runOne(mainHotCheck, fakeContext({ prometheus: prom({ generic_worker1: 0 }, null).reader }), []);
    expect(unscraped.status).toBe("warn");
    expect(unscraped.evidence[0]).toMatch(/no CPU series for main/);
  });
});
