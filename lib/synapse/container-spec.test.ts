import { describe, expect, it } from "vitest";
import { workerContainerSpec, type WorkerContainerInput } from "./container-spec";
import { planIntent } from "./plan";
import { genericContainer, labSnapshot, mainContainer, singleSnapshot } from "./fixtures/lab";
import { createdSpec } from "./fixtures/plan-helpers";
import type { ContainerSpec } from "./plan-schema";

const main = { ...mainContainer, id: "a30c4a9dca1e", managedByFleet: false };
const input = (over: Partial<WorkerContainerInput> = {}): WorkerContainerInput => ({
  name: "generic_worker2", kind: "generic", httpPort: 8011, alias: "generic-worker2", peers: [], mainHttpPort: 8008, ...over,
});
const officialMain = (): typeof main => ({
  ...main,
  image: "matrixdotorg/synapse:v1.160.0",
  entrypoint: ["/start.py"],
  cmd: [],
  env: { SYNAPSE_CONFIG_PATH: "/data/homeserver.yaml", UID: "991", GID: "991" },
});

describe("a new worker's container", () => {
  it("is derived from main's: image, binds, env, networks, restart policy, user", () => {
    const spec = workerContainerSpec(main, input());
    expect(spec).toMatchObject({ image: main.image, binds: main.binds, env: main.env, restartPolicy: "unless-stopped", user: null });
    expect(spec.name).toBe("fleetlab-worker-generic_worker2");
    expect(spec.networks).toEqual([{ name: "fleetlab_default", aliases: ["generic-worker2"] }]);
  });

  it("runs main's python -m argv with the worker app and its worker file", () => {
    expect(workerContainerSpec(main, input()).cmd).toEqual([
      "python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", "/data/workers/generic_worker2.yaml",
    ]);
  });

  it("official image convention sets SYNAPSE_WORKER", () => {
    const spec = workerContainerSpec(officialMain(), input());
    expect(spec.entrypoint).toEqual(["/start.py"]);
    expect(spec.cmd).toEqual(["run", "--config-path=/data/homeserver.yaml", "--config-path=/data/workers/generic_worker2.yaml"]);
    expect(spec.env.SYNAPSE_WORKER).toBe("synapse.app.generic_worker");
    expect(spec.env.UID).toBe("991");
  });

  it("uses the operator's worker command with the config paths filled in", () => {
    const spec = workerContainerSpec(officialMain(), input({ workerCommand: ["run", "--config-path={homeserver_config}", "--config-path={worker_config}"] }));
    expect(spec.cmd).toEqual(["run", "--config-path=/data/homeserver.yaml", "--config-path=/data/workers/generic_worker2.yaml"]);
    expect(spec.env.SYNAPSE_WORKER).toBe("synapse.app.generic_worker");
    expect(() => workerContainerSpec(main, input({ workerCommand: ["sleep", "1"] }))).toThrow(/does not run synapse.app.generic_worker/);
  });

  it("maps Debian's synapse_homeserver wrapper to synapse_worker", () => {
    const debian = { ...main, cmd: ["/usr/bin/synapse_homeserver", "--config-path", "/etc/matrix-synapse/homeserver.yaml"] };
    expect(workerContainerSpec(debian, input()).cmd).toEqual([
      "/usr/bin/synapse_worker", "--config-path", "/etc/matrix-synapse/homeserver.yaml", "--config-path", "/etc/matrix-synapse/workers/generic_worker2.yaml",
    ]);
  });

  it("labels it as fleet-managed with no compose labels", () => {
    const spec = workerContainerSpec(main, input());
    expect(spec.labels["io.synapse-fleet.worker"]).toBe("generic_worker2");
    expect(spec.labels["io.synapse-fleet.managed"]).toBe("true");
    expect(Object.keys(spec.labels).filter((k) => k.startsWith("com.docker.compose"))).toEqual([]);
  });

  it("copies the Traefik labels of a worker of the same service, with its own port", () => {
    const spec = workerContainerSpec(main, input({ peers: [{ ...genericContainer, id: "g", managedByFleet: false }] }));
    expect(spec.labels["traefik.http.services.synapse-generic.loadbalancer.server.port"]).toBe("8011");
    expect(spec.labels["traefik.http.services.synapse-generic.loadbalancer.sticky.cookie.name"]).toBe("synapse_generic");
    expect(spec.labels["traefik.http.routers.synapse-generic.rule"]).toBe(genericContainer.labels["traefik.http.routers.synapse-generic.rule"]);
  });

  it("falls back to the guide's media route with main's Host rule", () => {
    const spec = workerContainerSpec(main, input({ kind: "media", name: "media_worker1", alias: "media-worker1" }));
    expect(spec.labels["traefik.http.routers.synapse-media.rule"]).toBe(
      "Host(`fleet.test`) && (PathPrefix(`/_matrix/media`) || PathPrefix(`/_matrix/client/v1/media`) || PathPrefix(`/_matrix/federation/v1/media`))",
    );
    expect(spec.labels["traefik.http.services.synapse-media.loadbalancer.server.port"]).toBe("8011");
  });

  it("adds no Traefik labels when main is not behind Traefik", () => {
    const plain = { ...main, labels: {} };
    expect(Object.keys(workerContainerSpec(plain, input()).labels)).toEqual(["io.synapse-fleet.worker", "io.synapse-fleet.managed"]);
  });

  it("publishes the http port like main publishes its own, unless told not to", () => {
    expect(workerContainerSpec(main, input()).ports).toEqual([{ container: 8011, host: 8011, hostIp: "0.0.0.0" }]);
    expect(workerContainerSpec(main, input({ publishHttpPorts: false })).ports).toEqual([]);
    expect(workerContainerSpec({ ...main, ports: [] }, input()).ports).toEqual([]);
  });

  it("takes resource limits from the intent, else the catalogue", () => {
    expect(workerContainerSpec(main, input()).resources).toEqual({ nanoCpus: 1_000_000_000, memoryBytes: 1024 * 1024 * 1024 });
    expect(workerContainerSpec(main, input({ resources: { cpus: 0.25, memoryMiB: 256 } })).resources).toEqual({ nanoCpus: 250_000_000, memoryBytes: 256 * 1024 * 1024 });
  });

  it("settings reach the container through planIntent", () => {
    const plan = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: singleSnapshot(), settings: { publishHttpPorts: false } });
    expect(createdSpec(plan, "generic_worker1").ports).toEqual([]);
    const lab = planIntent({ kind: "add_worker", type: "generic" }, { snapshot: labSnapshot() });
    const spec: ContainerSpec = createdSpec(lab, "generic_worker2");
    expect(spec.labels["traefik.http.services.synapse-generic.loadbalancer.server.port"]).toBe("8011");
  });
});
