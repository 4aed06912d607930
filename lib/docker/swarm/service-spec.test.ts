import { describe, expect, it } from "vitest";
import { FleetError } from "@/lib/errors";
import { workerContainerSpec } from "@/lib/synapse/container-spec";
import type { ContainerSpec } from "@/lib/synapse/plan-schema";
import { serviceSpecFrom, specFromService, START_NODE_LABEL, type ObjectRef, type ServiceInfo, type SwarmServiceSpec } from "./service-spec";

// `docker service inspect fleetsw_synapse fleetsw_synapse-worker-generic` on the swarm lab (Spec only;
// passwords replaced, two of the five txredisapi configs kept).
const file = (name: string) => ({ Name: name, UID: "0", GID: "0", Mode: 292 });
const secrets = [
  { File: file("/data/homeserver.yaml"), SecretID: "i55zqy6kcgks8q3ayk5d4mvep", SecretName: "fleetsw-homeserver-e8e5f0408a6f" },
  { File: file("/data/fleet.test.signing.key"), SecretID: "im7j45maidwo0wotjmi41i0e8", SecretName: "fleetsw-signing-key-ad5a32a35191" },
];
const txredis = [
  { File: file("/opt/fleetlab/python/txredisapi-1.4.11.dist-info/INSTALLER"), ConfigID: "xxtqmuv7ltlpjoqnlop3q6go9", ConfigName: "fleetsw-txredisapi-installer-87b87a7b5853" },
  { File: file("/opt/fleetlab/python/txredisapi.py"), ConfigID: "5r0e4cyh3lhpfrftx5ik1tet1", ConfigName: "fleetsw-txredisapi-py-cc7e5769c616" },
];
const logConfig = { File: file("/data/log.config"), ConfigID: "nze4cvu7lrpttsyjs0idag74q", ConfigName: "fleetsw-log-config-ee7f852ea008" };
const workerFile = { File: file("/data/workers/generic_worker1.yaml"), ConfigID: "llmwv069ol5irskbkha014syw", ConfigName: "fleetsw-worker-generic-worker1-ce660579b5c2" };
const healthcheck = (port: number) => ({ Test: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://localhost:${port}/health`], Interval: 5e9, Timeout: 3e9, StartPeriod: 6e10, Retries: 3 });
const updateConfig = { Parallelism: 1, FailureAction: "pause", Monitor: 5e9, MaxFailureRatio: 0, Order: "stop-first" };
const env = ["DATABASE_URL=postgres://synapse:PASSWORD@postgres:5432/synapse", "PYTHONPATH=/opt/fleetlab/python", "REDIS_PASSWORD=PASSWORD"];

function labService(name: string, worker: string, args: string[], port: number, extra: { mounts?: unknown[]; configs?: unknown[]; constraints?: string[] }): SwarmServiceSpec {
  return {
    Name: name,
    Labels: { "com.docker.stack.image": "synapse-fleet-lab:latest", "com.docker.stack.namespace": "fleetsw", "io.synapse-fleet.worker": worker },
    TaskTemplate: {
      ContainerSpec: {
        Image: "synapse-fleet-lab:latest",
        Labels: { "com.docker.stack.namespace": "fleetsw" },
        Args: args,
        Env: env,
        Privileges: { CredentialSpec: null, SELinuxContext: null, NoNewPrivileges: false },
        ...(extra.mounts ? { Mounts: extra.mounts as never } : {}),
        StopGracePeriod: 1e10,
        Healthcheck: healthcheck(port),
        DNSConfig: {},
        Secrets: secrets,
        Configs: [logConfig, ...txredis, ...((extra.configs ?? []) as never[])],
        Isolation: "default",
      },
      Resources: {},
      RestartPolicy: { Condition: "any", Delay: 5e9, MaxAttempts: 0 },
      Placement: extra.constraints ? { Constraints: extra.constraints } : {},
      Networks: [{ Target: "2hjoixnbstotp3wb1u4471ygh", Aliases: [name.replace(/^fleetsw_/, "")] }],
      ForceUpdate: 0,
      Runtime: "container",
    },
    Mode: { Replicated: { Replicas: 1 } },
    UpdateConfig: updateConfig,
    RollbackConfig: updateConfig,
    EndpointSpec: { Mode: "dnsrr", Ports: [{ Protocol: "tcp", TargetPort: port, PublishedPort: port, PublishMode: "host" }] },
  };
}

const main: ServiceInfo = {
  ID: "nk1ogzcmwe8k2ddzf9smqgoob",
  Spec: labService("fleetsw_synapse", "main", ["python3", "-m", "synapse.app.homeserver", "--config-path", "/data/homeserver.yaml"], 8008, {
    mounts: [{ Type: "volume", Source: "fleetsw_media", Target: "/data/media_store", VolumeOptions: { Labels: { "com.docker.stack.namespace": "fleetsw" } } }],
    constraints: ["node.hostname == node1"],
  }),
};
const generic: ServiceInfo = {
  ID: "juvto394r4uhl6300od55lja3",
  Spec: labService("fleetsw_synapse-worker-generic", "generic_worker1", ["python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", "/data/workers/generic_worker1.yaml"], 8009, { configs: [workerFile] }),
};

const nodes = [
  { id: "mwoeiwrocu7u2b4f2d98i5ywk", hostname: "node1" },
  { id: "gr7igffua1af7nrlejgzyb4gx", hostname: "node2" },
  { id: "xn416p9id2cij5cz82sw4t4et", hostname: "node3" },
];
const networks = [{ id: "2hjoixnbstotp3wb1u4471ygh", name: "fleetsw_default" }];
const configDir = "/srv/config";
const read = { nodes, networks, configDir };
const write = (objects: ObjectRef[]) => ({ nodes, networks: { fleetsw_default: "2hjoixnbstotp3wb1u4471ygh" }, configDir, objects });

/** The objects the lab's services reference for their config-dir files, as the object runner would hand them over. */
function labRefs(spec: ServiceInfo): ObjectRef[] {
  const cs = spec.Spec.TaskTemplate.ContainerSpec;
  return [
    ...(cs.Secrets ?? []).map((s) => ({ kind: "secret" as const, target: s.File!.Name!, file: s.File!.Name!.slice(6), id: s.SecretID!, name: s.SecretName! })),
    ...(cs.Configs ?? []).filter((c) => c.File!.Name!.startsWith("/data/")).map((c) => ({ kind: "config" as const, target: c.File!.Name!, file: c.File!.Name!.slice(6), id: c.ConfigID!, name: c.ConfigName! })),
  ];
}

const byName = <T extends { File?: { Name?: string } }>(list: T[] | undefined) => [...(list ?? [])].sort((a, b) => a.File!.Name!.localeCompare(b.File!.Name!));

describe("specFromService", () => {
  it("reads main's real service: config-dir objects as binds, its node constraint as a pin, the rest as the engine record", () => {
    const spec = specFromService(main, read);
    expect(spec).toMatchObject({
      name: "fleetsw_synapse", image: "synapse-fleet-lab:latest", entrypoint: null,
      cmd: ["python3", "-m", "synapse.app.homeserver", "--config-path", "/data/homeserver.yaml"],
      env: { PYTHONPATH: "/opt/fleetlab/python", REDIS_PASSWORD: "PASSWORD" },
      binds: ["fleetsw_media:/data/media_store", "/srv/config/fleet.test.signing.key:/data/fleet.test.signing.key:ro", "/srv/config/homeserver.yaml:/data/homeserver.yaml:ro", "/srv/config/log.config:/data/log.config:ro"],
      networks: [{ name: "fleetsw_default", aliases: ["synapse"] }],
      restartPolicy: "any", user: null, ports: [{ container: 8008, host: 8008, hostIp: "" }],
      resources: { nanoCpus: null, memoryBytes: null }, placement: { node: "node1", pin: true },
    });
    expect(spec.engine?.config).toEqual({
      Labels: { "com.docker.stack.namespace": "fleetsw" }, Privileges: main.Spec.TaskTemplate.ContainerSpec.Privileges, StopGracePeriod: 1e10,
      Healthcheck: healthcheck(8008), DNSConfig: {}, Isolation: "default",
      MountOptions: { "/data/media_store": { VolumeOptions: { Labels: { "com.docker.stack.namespace": "fleetsw" } } } },
      Configs: txredis, // outside the config root: kept as they are
    });
    expect(spec.engine?.hostConfig).toEqual({ RestartPolicy: { Delay: 5e9, MaxAttempts: 0 }, UpdateConfig: updateConfig, RollbackConfig: updateConfig, EndpointSpec: { Mode: "dnsrr" } });
  });

  it("places an unconstrained worker where its task runs, and nowhere when none runs", () => {
    const task = { ID: "t1", NodeID: nodes[1].id, DesiredState: "running", CreatedAt: "1", Status: { State: "running" } };
    expect(specFromService(generic, { ...read, tasks: [task] }).placement).toEqual({ node: "node2" });
    expect(specFromService(generic, { ...read, tasks: [] }).placement).toBeUndefined();
  });

  it("keeps a digest unless the stack label names the same tag", () => {
    const pinned = structuredClone(main);
    pinned.Spec.TaskTemplate.ContainerSpec.Image = "synapse-fleet-lab:latest@sha256:abc";
    expect(specFromService(pinned, read).image).toBe("synapse-fleet-lab:latest");
    delete pinned.Spec.Labels!["com.docker.stack.image"];
    expect(specFromService(pinned, read).image).toBe("synapse-fleet-lab:latest@sha256:abc");
  });
});

describe("serviceSpecFrom", () => {
  for (const [what, service] of [["main", main], ["the generic worker", generic]] as const) {
    it(`round-trips ${what}'s real spec: spec → service → the same spec`, () => {
      const spec = specFromService(service, { ...read, tasks: [] });
      const back = serviceSpecFrom(spec, write(labRefs(service)), 1);
      expect(specFromService({ ID: service.ID, Spec: back }, { ...read, tasks: [] })).toEqual(spec);
    });

    it(`gives ${what}'s service back as the engine had it, but for the engine's own fields`, () => {
      const back = serviceSpecFrom(specFromService(service, read), write(labRefs(service)), 1);
      const { Secrets, Configs, ...cs } = back.TaskTemplate.ContainerSpec;
      const { Secrets: s0, Configs: c0, ...cs0 } = service.Spec.TaskTemplate.ContainerSpec;
      expect(cs).toEqual(cs0);
      expect(byName(Secrets)).toEqual(byName(s0));
      expect(byName(Configs)).toEqual(byName(c0));
      const { ForceUpdate: _f, Runtime: _r, ContainerSpec: _c, Placement: p0, ...tt0 } = service.Spec.TaskTemplate;
      const { ContainerSpec: _c2, Placement: p1, ...tt1 } = back.TaskTemplate;
      expect(tt1).toEqual(tt0);
      // The pin is kept, by node id rather than hostname.
      expect(p1).toEqual(p0?.Constraints ? { Constraints: [`node.id==${nodes[0].id}`] } : {});
      const { TaskTemplate: _t, ...rest } = back;
      const { TaskTemplate: _t0, ...rest0 } = service.Spec;
      expect(rest).toEqual(rest0);
    });
  }

  it("round-trips a worker derived from main: healthcheck on its port, its worker file as one more object", () => {
    const mainSpec = { ...specFromService(main, read), id: main.ID, managedByFleet: false };
    const worker = workerContainerSpec(mainSpec, { name: "rt_a", kind: "generic", httpPort: 8101, alias: "rt_a", peers: [], mainHttpPort: 8008 });
    expect(worker.engine?.config.Healthcheck).toEqual(healthcheck(8101));
    const placed: ContainerSpec = { ...worker, placement: { node: "node3" } };
    const refs = [...labRefs(main), { kind: "config" as const, target: "/data/workers/rt_a.yaml", file: "workers/rt_a.yaml", id: "cfg1", name: "fleetsw-workers-rt-a-yaml-0123456789ab" }];
    const service = serviceSpecFrom(placed, write(refs), 0);
    expect(service.TaskTemplate.Placement?.Constraints).toEqual([`node.id==${nodes[2].id}`]);
    expect(service.Labels?.[START_NODE_LABEL]).toBe("start");
    expect(service.EndpointSpec?.Ports).toEqual([{ Protocol: "tcp", TargetPort: 8101, PublishedPort: 8101, PublishMode: "host" }]);
    const back = specFromService({ ID: "x", Spec: service }, read);
    expect(back).toEqual({ ...placed, binds: [...placed.binds, "/srv/config/workers/rt_a.yaml:/data/workers/rt_a.yaml:ro"] });
  });

  it("pins with pin: true and keeps label constraints for good", () => {
    const spec: ContainerSpec = { ...specFromService(generic, read), placement: { node: nodes[1].id, pin: true, labels: { zone: "a" } } };
    const service = serviceSpecFrom(spec, write(labRefs(generic)), 0);
    expect(service.TaskTemplate.Placement?.Constraints).toEqual([`node.id==${nodes[1].id}`, "node.labels.zone==a"]);
    expect(service.Labels?.[START_NODE_LABEL]).toBeUndefined();
    expect(specFromService({ ID: "x", Spec: service }, read).placement).toEqual({ node: "node2", pin: true, labels: { zone: "a" } });
  });

  it("refuses a node no one has, naming the known nodes", () => {
    const spec: ContainerSpec = { ...specFromService(generic, read), placement: { node: "node9" } };
    expect(() => serviceSpecFrom(spec, write(labRefs(generic)), 0)).toThrow(expect.objectContaining({ code: "unprocessable", details: expect.objectContaining({ reason: "unknown_node", nodes: ["node1", "node2", "node3"] }) }));
  });

  it("refuses a host bind outside the config dir (Swarm never creates its source)", () => {
    const spec: ContainerSpec = { ...specFromService(generic, read), binds: ["/var/run/docker.sock:/var/run/docker.sock"] };
    let err: unknown;
    try {
      serviceSpecFrom(spec, write([]), 0);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FleetError);
    expect(err).toMatchObject({ code: "unprocessable", details: { reason: "host_bind", bind: "/var/run/docker.sock:/var/run/docker.sock" } });
  });

  it("maps container restart policies to Swarm conditions and refuses a host IP", () => {
    const spec = specFromService(generic, read);
    expect(serviceSpecFrom({ ...spec, restartPolicy: "unless-stopped" }, write(labRefs(generic)), 0).TaskTemplate.RestartPolicy?.Condition).toBe("any");
    expect(serviceSpecFrom({ ...spec, restartPolicy: "no" }, write(labRefs(generic)), 0).TaskTemplate.RestartPolicy?.Condition).toBe("none");
    expect(() => serviceSpecFrom({ ...spec, ports: [{ container: 8009, host: 8009, hostIp: "127.0.0.1" }] }, write(labRefs(generic)), 0)).toThrow(/every address/);
  });
});
