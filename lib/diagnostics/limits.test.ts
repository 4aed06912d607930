import { describe, expect, it } from "vitest";
import { fakeContext } from "./fake-context";
import { limitsCheck } from "./limits";
import { runOne } from "./run";

describe("limits check", () => {
  it("warns for each worker without a CPU or memory limit, with docker update sized for its kind", async () => {
    const ctx = fakeContext({
      engine: {
        ...fakeContext().engine,
        specOf: async (id) => ({ networks: [], labels: {}, resources: id.includes("federation") ? { nanoCpus: 5e8, memoryBytes: null } : { nanoCpus: 1e9, memoryBytes: 2 ** 30 } }),
      },
    });
    const r = await runOne(limitsCheck, ctx, []);
    expect(r.status).toBe("warn");
    expect(r.process).toBe("federation_sender1");
    expect(r.evidence).toContain("federation_sender1 (lab_federation_sender1): 0.5 CPU, no memory limit");
    expect(r.evidence).toContain("generic_worker1 (lab_generic_worker1): 1 CPU, 1024 MiB");
    expect(r.fix).toContain("docker update --memory 512m --memory-swap 512m lab_federation_sender1");
  });

  it("passes when every worker is limited; main is not a worker", async () => {
    const r = await runOne(limitsCheck, fakeContext(), []);
    expect(r.status).toBe("pass");
    expect(r.evidence.some((e) => e.startsWith("main"))).toBe(false);
  });
});
