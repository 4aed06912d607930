import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { exportCompose } from "./compose-export";
import { planIntent } from "./plan";
import { labSnapshot } from "./fixtures/lab";
import { createdSpec } from "./fixtures/plan-helpers";

describe("exportCompose", () => {
  it("writes every Synapse process as a v3.8 service with its command, ports and Traefik labels", () => {
    const snapshot = labSnapshot();
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot });
    snapshot.processes.push({ name: "generic_worker2", type: "generic", state: "running", configFile: "workers/generic_worker2.yaml", container: { ...createdSpec(plan, "generic_worker2"), id: "x", managedByFleet: true } });
    const text = exportCompose(snapshot);
    expect(text.startsWith("# Synapse topology exported by Synapse Fleet")).toBe(true);
    const compose = parse(text);
    expect(compose.version).toBe("3.8");
    expect(Object.keys(compose.services)).toEqual(["synapse", "synapse-worker-federation-sender", "synapse-worker-generic", "synapse-generic-worker2", "synapse-worker-media"]);
    const w2 = compose.services["synapse-generic-worker2"];
    expect(w2.command).toContain("synapse.app.generic_worker");
    expect(w2.ports).toEqual(["8011:8011"]);
    expect(w2.labels["traefik.http.services.synapse-generic.loadbalancer.server.port"]).toBe("8011");
    expect(w2.deploy.resources.limits).toEqual({ cpus: "1", memory: "1024M" });
    expect(w2.depends_on).toEqual(["synapse"]);
    expect(compose.services.synapse.labels).not.toHaveProperty("com.docker.compose.project");
    expect(compose.networks).toEqual({ fleetlab_default: { external: true, name: "fleetlab_default" } });
  });
});
