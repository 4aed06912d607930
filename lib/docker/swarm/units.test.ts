import { describe, expect, it } from "vitest";
import { nodeFromRaw, strandedOn, unitFromService, unitsFromSwarm, type RawNode, type RawService, type RawTask } from "./units";

describe("unitsFromSwarm (the swarm lab's own JSON)", () => {
  const units = unitsFromSwarm(labServices, labTasks, labNodes, "/srv/config");
  const byName = Object.fromEntries(units.map((u) => [u.name, u]));

  it("makes one unit per service whose id is the service id, state and node from its running task", () => {
    expect(units.map((u) => u.name).sort()).toEqual(["fleetsw_redis", "fleetsw_synapse", "fleetsw_synapse-worker-federation-sender", "fleetsw_synapse-worker-generic"]);
    const g = byName["fleetsw_synapse-worker-generic"];
    expect(g.id).toBe("juvto394r4uhl6300od55lja3");
    expect(g.state).toBe("running");
    expect(g.swarm).toEqual({
      node: { id: "gr7igffua1af7nrlejgzyb4gx", hostname: "node2", address: "10.213.0.12" },
      task: { id: "9gwj7tefdbglt3j6y7bue540u", state: "running", error: null },
    });
    expect(g.startedAt).toBe("2026-12-01T23:39:46.536399846Z");
    expect(g.status).toBe("task running on node2: started");
    expect(byName["fleetsw_synapse-worker-federation-sender"].swarm?.node?.hostname).toBe("node3");
    expect(byName.fleetsw_synapse.swarm?.node?.hostname).toBe("node1");
  });

  it("takes argv from the container spec, env as a record and labels from the service", () => {
    const g = byName["fleetsw_synapse-worker-generic"];
    expect(g.argv).toEqual(["python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", "/data/workers/generic_worker1.yaml"]);
    expect(g.env).toMatchObject({ PYTHONPATH: "/opt/fleetlab/python", REDIS_PASSWORD: "SECRET" });
    expect(g.labels["io.synapse-fleet.worker"]).toBe("generic_worker1");
    expect(g.image).toBe("synapse-fleet-lab:latest");
  });

  it("gives the task's overlay address without its prefix length, by network name", () => {
    expect(byName["fleetsw_synapse-worker-generic"].networks).toEqual([{ name: "fleetsw_default", ip: "10.214.1.12" }]);
    expect(byName.fleetsw_redis.networks).toEqual([{ name: "fleetsw_default", ip: "10.214.1.2" }]);
  });

  it("lists a host-mode published port once, and none for a service that publishes nothing", () => {
    expect(byName["fleetsw_synapse-worker-generic"].ports).toEqual([{ container: 8009, host: 8009, protocol: "tcp" }]);
    expect(byName["fleetsw_synapse-worker-federation-sender"].ports).toEqual([]);
  });

  it("maps configs and secrets under the config root to the config dir, and keeps volumes", () => {
    const main = byName.fleetsw_synapse;
    expect(main.mounts).toEqual(
      expect.arrayContaining([
        { source: "fleetsw_media", destination: "/data/media_store" },
        { source: "/srv/config/homeserver.yaml", destination: "/data/homeserver.yaml" },
        { source: "/srv/config/fleet.test.signing.key", destination: "/data/fleet.test.signing.key" },
        { source: "/srv/config/log.config", destination: "/data/log.config" },
      ]),
    );
    const g = byName["fleetsw_synapse-worker-generic"];
    expect(g.mounts).toContainEqual({ source: "/srv/config/workers/generic_worker1.yaml", destination: "/data/workers/generic_worker1.yaml" });
    // A bundled library file outside /data is not a config-dir file.
    expect(g.mounts.some((m) => m.destination.startsWith("/opt/"))).toBe(false);
    // Without a config dir, objects have no source to read.
    expect(unitsFromSwarm(labServices, labTasks, labNodes, null).find((u) => u.name === "fleetsw_synapse")?.mounts).toEqual([{ source: "fleetsw_media", destination: "/data/media_store" }]);
  });

  it("says healthy for a running task with a healthcheck (Swarm holds it in starting until it passes), nothing without one", () => {
    expect(byName.fleetsw_synapse.dockerHealth).toBe("healthy");
    expect(byName["fleetsw_synapse-worker-federation-sender"].dockerHealth).toBeNull();
    expect(byName.fleetsw_redis.dockerHealth).toBeNull();
  });

  it("keeps the placement constraints of the spec", () => {
    expect(byName.fleetsw_synapse.placement).toEqual(["node.hostname == node1"]);
    expect(byName["fleetsw_synapse-worker-generic"].placement).toEqual([]);
  });
});

describe("unitFromService: states other than running", () => {
  const nodes = new Map(labNodes.map((n) => [n.ID, nodeFromRaw(n)]));
  const service = labServices.find((s) => s.Spec?.Name === "fleetsw_synapse-worker-generic")!;
  const task = labTasks.find((t) => t.ServiceID === service.ID)!;

  it("a task still starting is running with health starting", () => {
    const u = unitFromService(service, [{ ...task, Status: { ...task.Status, State: "starting" } }], nodes, null);
    expect(u).toMatchObject({ state: "running", dockerHealth: "starting" });
  });

  it("a stopped service (0 replicas) whose last task shut down is exited, with no address or start time", () => {
    const stopped: RawService = { ...service, Spec: { ...service.Spec, Mode: { Replicated: { Replicas: 0 } } } };
    const ended = { ...task, DesiredState: "shutdown", Status: { ...task.Status, State: "shutdown", ContainerStatus: { ExitCode: 0 } } };
    const u = unitFromService(stopped, [ended], nodes, null);
    expect(u).toMatchObject({ state: "exited", startedAt: null, networks: [], dockerHealth: null });
    // The port it publishes when it runs is still its port.
    expect(u.ports).toEqual([{ container: 8009, host: 8009, protocol: "tcp" }]);
  });

  it("a service with no task yet is created, and its task's error is carried", () => {
    expect(unitFromService(service, [], nodes, null)).toMatchObject({ state: "created", status: "no task yet", swarm: { node: null, task: null } });
    const pending = { ...task, NodeID: undefined, Status: { State: "pending", Err: "no suitable node (1 node not available for new tasks)" } };
    const u = unitFromService(service, [pending], nodes, null);
    expect(u.state).toBe("created");
    expect(u.swarm?.task).toEqual({ id: task.ID, state: "pending", error: "no suitable node (1 node not available for new tasks)" });
    expect(u.status).toBe("task pending: no suitable node (1 node not available for new tasks)");
  });
});

describe("nodeFromRaw and strandedOn", () => {
  const nodes = labNodes.map(nodeFromRaw);

  it("reads the lab's three nodes: roles, availability, state, address", () => {
    expect(nodes.map((n) => `${n.hostname} ${n.role} ${n.availability} ${n.state} ${n.address}`).sort()).toEqual([
      "node1 manager active ready 10.213.0.11",
      "node2 worker active ready 10.213.0.12",
      "node3 worker active ready 10.213.0.13",
    ]);
  });

  it("takes a manager's address from its manager status when Status.Addr is 0.0.0.0", () => {
    const raw: RawNode = { ID: "m", Spec: { Role: "manager", Availability: "active" }, Description: { Hostname: "m1" }, Status: { State: "ready", Addr: "0.0.0.0" }, ManagerStatus: { Addr: "10.0.0.5:2377" } };
    expect(nodeFromRaw(raw).address).toBe("10.0.0.5");
  });

  it("flags a worker pinned to a drained or down node, by hostname or id, and not one pinned to a ready node", () => {
    const drained = nodes.map((n) => (n.hostname === "node2" ? { ...n, availability: "drain" as const } : n));
    const down = nodes.map((n) => (n.hostname === "node3" ? { ...n, state: "down" } : n));
    expect(strandedOn(["node.hostname == node2"], drained)?.hostname).toBe("node2");
    expect(strandedOn(["node.hostname==node2"], nodes)).toBeNull();
    const node3 = nodes.find((n) => n.hostname === "node3")!;
    expect(strandedOn([`node.id == ${node3.id}`], down)?.hostname).toBe("node3");
    expect(strandedOn(["node.labels.media == true"], down)).toBeNull();
    expect(strandedOn([], drained)).toBeNull();
  });
});

// Captured from the swarm lab (lab/swarm) with GET /nodes, /services, /tasks?filters={"desired-state":["running"]},
// trimmed to the fields units.ts reads and to four services; passwords replaced by SECRET.
// Typed by assertion: the engine's JSON has more fields than units.ts reads.
const labNodes = [
  {"ID": "gr7igffua1af7nrlejgzyb4gx", "Spec": {"Labels": {}, "Role": "worker", "Availability": "active"}, "Description": {"Hostname": "node2"}, "Status": {"State": "ready", "Addr": "10.213.0.12"}},
  {"ID": "mwoeiwrocu7u2b4f2d98i5ywk", "Spec": {"Labels": {}, "Role": "manager", "Availability": "active"}, "Description": {"Hostname": "node1"}, "Status": {"State": "ready", "Addr": "10.213.0.11"}, "ManagerStatus": {"Leader": true, "Reachability": "reachable", "Addr": "10.213.0.11:2377"}},
  {"ID": "xn416p9id2cij5cz82sw4t4et", "Spec": {"Labels": {}, "Role": "worker", "Availability": "active"}, "Description": {"Hostname": "node3"}, "Status": {"State": "ready", "Addr": "10.213.0.13"}},
] as unknown as RawNode[];
// Typed by assertion: the engine's JSON has more fields than units.ts reads.
const labServices = [
  {"ID": "ctyfcbqwm692et4ssczff4tdb", "CreatedAt": "2026-12-01T23:39:24.425333135Z", "Spec": {"Name": "fleetsw_redis", "Labels": {"com.docker.stack.image": "synapse-fleet-lab:latest", "com.docker.stack.namespace": "fleetsw"}, "TaskTemplate": {"ContainerSpec": {"Image": "synapse-fleet-lab:latest", "Args": ["redis-server", "--bind", "0.0.0.0", "--protected-mode", "no", "--save", "", "--appendonly", "no", "--requirepass", "SECRET"]}, "Placement": {"Constraints": ["node.hostname == node1"]}, "Networks": [{"Target": "2hjoixnbstotp3wb1u4471ygh", "Aliases": ["redis"]}]}, "Mode": {"Replicated": {"Replicas": 1}}, "EndpointSpec": {"Mode": "dnsrr"}}},
  {"ID": "juvto394r4uhl6300od55lja3", "CreatedAt": "2026-12-01T23:39:24.43609275Z", "Spec": {"Name": "fleetsw_synapse-worker-generic", "Labels": {"com.docker.stack.image": "synapse-fleet-lab:latest", "com.docker.stack.namespace": "fleetsw", "io.synapse-fleet.metrics.index": "1", "io.synapse-fleet.metrics.job": "generic_worker", "io.synapse-fleet.metrics.port": "9001", "io.synapse-fleet.worker": "generic_worker1"}, "TaskTemplate": {"ContainerSpec": {"Image": "synapse-fleet-lab:latest", "Args": ["python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", "/data/workers/generic_worker1.yaml"], "Env": ["DATABASE_URL=postgres://synapse:SECRET@postgres:5432/synapse", "PYTHONPATH=/opt/fleetlab/python", "REDIS_PASSWORD=SECRET"], "Healthcheck": {"Test": ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://localhost:8009/health"], "Interval": 5000000000, "Timeout": 3000000000, "StartPeriod": 60000000000, "Retries": 3}, "Secrets": [{"File": {"Name": "/data/homeserver.yaml", "UID": "0", "GID": "0", "Mode": 292}, "SecretID": "i55zqy6kcgks8q3ayk5d4mvep", "SecretName": "fleetsw-homeserver-e8e5f0408a6f"}, {"File": {"Name": "/data/fleet.test.signing.key", "UID": "0", "GID": "0", "Mode": 292}, "SecretID": "im7j45maidwo0wotjmi41i0e8", "SecretName": "fleetsw-signing-key-ad5a32a35191"}], "Configs": [{"File": {"Name": "/data/log.config", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "nze4cvu7lrpttsyjs0idag74q", "ConfigName": "fleetsw-log-config-ee7f852ea008"}, {"File": {"Name": "/opt/fleetlab/python/txredisapi.py", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "5r0e4cyh3lhpfrftx5ik1tet1", "ConfigName": "fleetsw-txredisapi-py-cc7e5769c616"}, {"File": {"Name": "/data/workers/generic_worker1.yaml", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "llmwv069ol5irskbkha014syw", "ConfigName": "fleetsw-worker-generic-worker1-ce660579b5c2"}]}, "Placement": {}, "Networks": [{"Target": "2hjoixnbstotp3wb1u4471ygh", "Aliases": ["synapse-worker-generic"]}]}, "Mode": {"Replicated": {"Replicas": 1}}, "EndpointSpec": {"Mode": "dnsrr", "Ports": [{"Protocol": "tcp", "TargetPort": 8009, "PublishedPort": 8009, "PublishMode": "host"}]}}},
  {"ID": "nk1ogzcmwe8k2ddzf9smqgoob", "CreatedAt": "2026-12-01T23:39:24.43332677Z", "Spec": {"Name": "fleetsw_synapse", "Labels": {"com.docker.stack.image": "synapse-fleet-lab:latest", "com.docker.stack.namespace": "fleetsw", "io.synapse-fleet.metrics.index": "1", "io.synapse-fleet.metrics.job": "synapse", "io.synapse-fleet.metrics.port": "9000", "io.synapse-fleet.worker": "main"}, "TaskTemplate": {"ContainerSpec": {"Image": "synapse-fleet-lab:latest", "Args": ["python3", "-m", "synapse.app.homeserver", "--config-path", "/data/homeserver.yaml"], "Env": ["DATABASE_URL=postgres://synapse:SECRET@postgres:5432/synapse", "PYTHONPATH=/opt/fleetlab/python", "REDIS_PASSWORD=SECRET"], "Mounts": [{"Type": "volume", "Source": "fleetsw_media", "Target": "/data/media_store", "VolumeOptions": {"Labels": {"com.docker.stack.namespace": "fleetsw"}}}], "Healthcheck": {"Test": ["CMD", "curl", "-fsS", "-o", "/dev/null", "http://localhost:8008/health"], "Interval": 5000000000, "Timeout": 3000000000, "StartPeriod": 60000000000, "Retries": 3}, "Secrets": [{"File": {"Name": "/data/homeserver.yaml", "UID": "0", "GID": "0", "Mode": 292}, "SecretID": "i55zqy6kcgks8q3ayk5d4mvep", "SecretName": "fleetsw-homeserver-e8e5f0408a6f"}, {"File": {"Name": "/data/fleet.test.signing.key", "UID": "0", "GID": "0", "Mode": 292}, "SecretID": "im7j45maidwo0wotjmi41i0e8", "SecretName": "fleetsw-signing-key-ad5a32a35191"}], "Configs": [{"File": {"Name": "/data/log.config", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "nze4cvu7lrpttsyjs0idag74q", "ConfigName": "fleetsw-log-config-ee7f852ea008"}, {"File": {"Name": "/opt/fleetlab/python/txredisapi.py", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "5r0e4cyh3lhpfrftx5ik1tet1", "ConfigName": "fleetsw-txredisapi-py-cc7e5769c616"}]}, "Placement": {"Constraints": ["node.hostname == node1"]}, "Networks": [{"Target": "2hjoixnbstotp3wb1u4471ygh", "Aliases": ["synapse"]}]}, "Mode": {"Replicated": {"Replicas": 1}}, "EndpointSpec": {"Mode": "dnsrr", "Ports": [{"Protocol": "tcp", "TargetPort": 8008, "PublishedPort": 8008, "PublishMode": "host"}]}}},
  {"ID": "r9a7pvq2fjglj49x4u5ww38kn", "CreatedAt": "2026-12-01T23:39:24.440403109Z", "Spec": {"Name": "fleetsw_synapse-worker-federation-sender", "Labels": {"com.docker.stack.image": "synapse-fleet-lab:latest", "com.docker.stack.namespace": "fleetsw", "io.synapse-fleet.metrics.index": "1", "io.synapse-fleet.metrics.job": "federation_sender", "io.synapse-fleet.metrics.port": "9003", "io.synapse-fleet.worker": "federation_sender1"}, "TaskTemplate": {"ContainerSpec": {"Image": "synapse-fleet-lab:latest", "Args": ["python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", "/data/workers/federation_sender1.yaml"], "Env": ["DATABASE_URL=postgres://synapse:SECRET@postgres:5432/synapse", "PYTHONPATH=/opt/fleetlab/python", "REDIS_PASSWORD=SECRET"], "Secrets": [{"File": {"Name": "/data/homeserver.yaml", "UID": "0", "GID": "0", "Mode": 292}, "SecretID": "i55zqy6kcgks8q3ayk5d4mvep", "SecretName": "fleetsw-homeserver-e8e5f0408a6f"}, {"File": {"Name": "/data/fleet.test.signing.key", "UID": "0", "GID": "0", "Mode": 292}, "SecretID": "im7j45maidwo0wotjmi41i0e8", "SecretName": "fleetsw-signing-key-ad5a32a35191"}], "Configs": [{"File": {"Name": "/data/log.config", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "nze4cvu7lrpttsyjs0idag74q", "ConfigName": "fleetsw-log-config-ee7f852ea008"}, {"File": {"Name": "/opt/fleetlab/python/txredisapi.py", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "5r0e4cyh3lhpfrftx5ik1tet1", "ConfigName": "fleetsw-txredisapi-py-cc7e5769c616"}, {"File": {"Name": "/data/workers/federation_sender1.yaml", "UID": "0", "GID": "0", "Mode": 292}, "ConfigID": "nmyx9les4pvtcdnwr4go0ahnm", "ConfigName": "fleetsw-worker-federation-sender1-114a67012e34"}]}, "Placement": {"Constraints": ["node.hostname == node3"]}, "Networks": [{"Target": "2hjoixnbstotp3wb1u4471ygh", "Aliases": ["synapse-worker-federation-sender"]}]}, "Mode": {"Replicated": {"Replicas": 1}}, "EndpointSpec": {"Mode": "dnsrr"}}},
] as unknown as RawService[];
// Typed by assertion: the engine's JSON has more fields than units.ts reads.
const labTasks = [
  {"ID": "275nhdwgru3fnhs6ilmluziix", "ServiceID": "ctyfcbqwm692et4ssczff4tdb", "NodeID": "mwoeiwrocu7u2b4f2d98i5ywk", "CreatedAt": "2026-12-01T23:39:24.426516249Z", "DesiredState": "running", "Status": {"Timestamp": "2026-12-01T23:39:27.611005908Z", "State": "running", "Message": "started", "ContainerStatus": {"ContainerID": "ab1b7b48111754ce5b9321253950ac1a845f3a7f47b9c29f5e93230b481f1552", "PID": 3237, "ExitCode": 0}, "PortStatus": {}}, "NetworksAttachments": [{"Network": {"Spec": {"Name": "fleetsw_default"}}, "Addresses": ["10.214.1.2/24"]}]},
  {"ID": "9gwj7tefdbglt3j6y7bue540u", "ServiceID": "juvto394r4uhl6300od55lja3", "NodeID": "gr7igffua1af7nrlejgzyb4gx", "CreatedAt": "2026-12-01T23:39:35.896549597Z", "DesiredState": "running", "Status": {"Timestamp": "2026-12-01T23:39:46.536399846Z", "State": "running", "Message": "started", "ContainerStatus": {"ContainerID": "3c3f717bc21a602cf56ea249d273732c08e286cde71088c41062dbd32ebf0fb5", "PID": 5343, "ExitCode": 0}, "PortStatus": {"Ports": [{"Protocol": "tcp", "TargetPort": 8009, "PublishedPort": 8009, "PublishMode": "host"}, {"Protocol": "tcp", "TargetPort": 8009, "PublishedPort": 8009, "PublishMode": "host"}]}}, "NetworksAttachments": [{"Network": {"Spec": {"Name": "fleetsw_default"}}, "Addresses": ["10.214.1.12/24"]}]},
  {"ID": "ptdugdw2w2jbcn0frwtbedwzs", "ServiceID": "nk1ogzcmwe8k2ddzf9smqgoob", "NodeID": "mwoeiwrocu7u2b4f2d98i5ywk", "CreatedAt": "2026-12-01T23:39:24.433626714Z", "DesiredState": "running", "Status": {"Timestamp": "2026-12-01T23:39:38.173876103Z", "State": "running", "Message": "started", "ContainerStatus": {"ContainerID": "1604c74372401e9df8e2baff1dc1c30bece139a802486674da9499e969d08108", "PID": 3322, "ExitCode": 0}, "PortStatus": {"Ports": [{"Protocol": "tcp", "TargetPort": 8008, "PublishedPort": 8008, "PublishMode": "host"}, {"Protocol": "tcp", "TargetPort": 8008, "PublishedPort": 8008, "PublishMode": "host"}]}}, "NetworksAttachments": [{"Network": {"Spec": {"Name": "fleetsw_default"}}, "Addresses": ["10.214.1.4/24"]}]},
  {"ID": "xq0n6zdfsp0xzhzqlyqfzw5e8", "ServiceID": "r9a7pvq2fjglj49x4u5ww38kn", "NodeID": "xn416p9id2cij5cz82sw4t4et", "CreatedAt": "2026-12-01T23:39:35.998614355Z", "DesiredState": "running", "Status": {"Timestamp": "2026-12-01T23:39:41.601639274Z", "State": "running", "Message": "started", "ContainerStatus": {"ContainerID": "406bbe5ac5303ad15d04404eff6d02b33cdd9eb06c7b83e06407589d9b8213b2", "PID": 5385, "ExitCode": 0}, "PortStatus": {}}, "NetworksAttachments": [{"Network": {"Spec": {"Name": "fleetsw_default"}}, "Addresses": ["10.214.1.14/24"]}]},
] as unknown as RawTask[];
