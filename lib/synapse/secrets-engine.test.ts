import { describe, expect, it } from "vitest";
import { maskPlan, maskSnapshot, maskSpec, MASK } from "./secrets";
import { mainContainer, labSnapshot } from "./fixtures/lab";
import type { ContainerSpec, Plan } from "./plan-schema";

/** A spec whose engine record and endpoints carry secrets where an operator might put them. */
const spec: ContainerSpec = {
  ...mainContainer,
  networks: [{ name: "fleetlab_default", aliases: ["synapse"], endpoint: { DriverOpts: { "com.example.auth_token": "drv-tok-5150" }, Links: ["redis:cache"] } }],
  engine: {
    config: {
      Healthcheck: { Test: ["CMD", "curl", "-fsS", "-H", "Authorization: Bearer hc-tok-8675309", "http://admin:hc-pass-42@localhost:8008/health"], Interval: 5e9 },
      StopSignal: "SIGINT",
      WorkingDir: "/data",
    },
    hostConfig: {
      LogConfig: { Type: "splunk", Config: { "splunk-token": "splunk-tok-1234", "splunk-url": "https://splunk.example:8088" } },
      ExtraHosts: ["matrix.fleet.test:10.0.0.1"],
      CapDrop: ["ALL"],
      Tmpfs: { "/tmp": "rw,size=64m" },
    },
  },
};
const secrets = ["hc-tok-8675309", "hc-pass-42", "splunk-tok-1234", "drv-tok-5150"];

describe("masking a container spec's engine record", () => {
  const masked = maskSpec(spec);

  it("masks a healthcheck's bearer token and URL password, a log driver's token, an endpoint option's token", () => {
    const text = JSON.stringify(masked);
    for (const s of secrets) expect(text).not.toContain(s);
    expect(text).toContain(MASK);
    expect((masked.engine!.hostConfig.LogConfig as { Config: Record<string, string> }).Config["splunk-token"]).toBe(MASK);
  });

  it("keeps every other value readable", () => {
    expect(masked.engine!.config).toMatchObject({ StopSignal: "SIGINT", WorkingDir: "/data", Healthcheck: { Interval: 5e9 } });
    expect((masked.engine!.config.Healthcheck as { Test: string[] }).Test.slice(0, 4)).toEqual(["CMD", "curl", "-fsS", "-H"]);
    expect(masked.engine!.hostConfig).toMatchObject({ ExtraHosts: ["matrix.fleet.test:10.0.0.1"], CapDrop: ["ALL"], Tmpfs: { "/tmp": "rw,size=64m" } });
    expect((masked.engine!.hostConfig.LogConfig as { Config: Record<string, string> }).Config["splunk-url"]).toBe("https://splunk.example:8088");
    expect(masked.networks[0].endpoint!.Links).toEqual(["redis:cache"]);
  });

  it("does not change the spec it was given", () => {
    expect(JSON.stringify(spec)).toContain("splunk-tok-1234");
  });

  it("reaches the browser masked through snapshots and plans", () => {
    const snapshot = labSnapshot();
    snapshot.processes[0] = { ...snapshot.processes[0], container: { ...spec, id: "m", managedByFleet: false } };
    const plan: Plan = {
      intent: { kind: "restore", operationId: "op", point: "before" }, summary: "s", files: [], restarts: [], destructive: false, expected: [], warnings: [],
      steps: [{ kind: "create_container", process: "main", spec, reason: "recreate main" }],
    };
    for (const out of [JSON.stringify(maskSnapshot(snapshot)), JSON.stringify(maskPlan(plan))]) for (const s of secrets) expect(out).not.toContain(s);
  });
});
