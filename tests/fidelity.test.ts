// Fidelity against the REAL engine and lab: a container removed and re-created from its recorded
// spec is the same container (`docker inspect` identical but for what the engine assigns), and a
// worker made from main's container inherits all of it but what must differ. Run under the lab
// lock; the lab is put back as found, and `lab up workers` must then change nothing.
import { execFileSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker as engineApi } from "@/lib/docker/client";
import { workerContainerSpec } from "@/lib/synapse/container-spec";
import { comparable, differingFields, healthOf, inspect, labIds, labUpWorkers, recreate, runner } from "./fidelity-helpers";
import { docker, eventually, labContainer, requireLab } from "./lab-env";

const PREFIX = "fleet-fidelity-";
const NET_A = `${PREFIX}a`;
const NET_B = `${PREFIX}b`;
let labImage = "";

function testContainers(): string[] {
  const out = docker("ps", "-aq", "--filter", `name=${PREFIX}`);
  return out ? out.split("\n") : [];
}

function removeNetworks(): void {
  for (const net of [NET_A, NET_B]) {
    try {
      execFileSync("docker", ["network", "rm", net], { stdio: "ignore" });
    } catch {
      // not there: nothing to remove
    }
  }
}

beforeAll(() => {
  requireLab();
  labImage = inspect(labContainer("synapse")).Config.Image;
  for (const id of testContainers()) docker("rm", "-f", id);
  removeNetworks();
});

afterAll(() => {
  for (const id of testContainers()) docker("rm", "-f", id);
  removeNetworks();
});

describe("a throwaway container with every hardening option", () => {
  it("round-trips identically: caps, no-new-privileges, read-only root, tmpfs, ulimits, log options, healthcheck, init, pids limit, static IP, aliases, links", async () => {
    docker("network", "create", "--subnet", "10.213.7.0/24", NET_A);
    docker("network", "create", "--subnet", "10.213.8.0/24", NET_B);
    const api = engineApi();
    const peer = await api.createContainer({ name: `${PREFIX}peer`, Image: labImage, Cmd: ["sleep", "infinity"], HostConfig: { NetworkMode: NET_B, Init: true } });
    await peer.start();
    const hardened = await api.createContainer({
      name: `${PREFIX}hardened`,
      Image: labImage,
      Cmd: ["sleep", "infinity"],
      Env: ["FIDELITY=1"],
      Labels: { "io.synapse-fleet.test": "fidelity" },
      User: "1000:1000",
      Hostname: "fidelity-host",
      Domainname: "fidelity.test",
      WorkingDir: "/tmp",
      StopSignal: "SIGINT",
      StopTimeout: 7,
      MacAddress: "02:42:0a:d5:07:0a",
      ExposedPorts: { "9999/tcp": {}, "8080/tcp": {}, "5353/udp": {} },
      Healthcheck: { Test: ["CMD", "true"], Interval: 2_000_000_000, Timeout: 1_000_000_000, Retries: 2, StartPeriod: 1_000_000_000 },
      HostConfig: {
        NetworkMode: NET_A,
        CapDrop: ["ALL"],
        CapAdd: ["NET_BIND_SERVICE"],
        SecurityOpt: ["no-new-privileges"],
        ReadonlyRootfs: true,
        Tmpfs: { "/tmp": "rw,size=16m" },
        Mounts: [{ Type: "tmpfs", Source: "", Target: "/run/fidelity", TmpfsOptions: { SizeBytes: 1_048_576, Mode: 0o1777 } }],
        Ulimits: [{ Name: "nofile", Soft: 1024, Hard: 2048 }],
        LogConfig: { Type: "json-file", Config: { "max-size": "1m", "max-file": "2" } },
        Init: true,
        PidsLimit: 64,
        ShmSize: 32 * 1024 * 1024,
        CpuShares: 512,
        NanoCpus: 500_000_000,
        Memory: 256 * 1024 * 1024,
        MemoryReservation: 64 * 1024 * 1024,
        OomScoreAdj: 100,
        Sysctls: { "net.core.somaxconn": "1024" },
        ExtraHosts: ["fidelity.test:10.213.7.99"],
        Dns: ["10.213.7.53"],
        DnsSearch: ["fidelity.test"],
        DnsOptions: ["ndots:2"],
        GroupAdd: ["1234"],
        RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 },
        PortBindings: { "8080/tcp": [{ HostIp: "127.0.0.1", HostPort: "18977" }], "5353/udp": [{ HostIp: "127.0.0.1", HostPort: "18978" }] },
      },
      NetworkingConfig: { EndpointsConfig: { [NET_A]: { Aliases: ["hardened", "hardened-a"], IPAMConfig: { IPv4Address: "10.213.7.10" } } } },
    });
    await api.getNetwork(NET_B).connect({ Container: hardened.id, EndpointConfig: { Aliases: ["hardened-b"], Links: [`${PREFIX}peer:peer`], IPAMConfig: { IPv4Address: "10.213.8.20" } } });
    await hardened.start();

    const { before, after, bytes } = await recreate(hardened.id);
    console.log(`[fidelity] hardened container: engine record ${bytes} bytes`);
    expect(after.Id).not.toBe(before.Id);
    expect(comparable(after)).toEqual(comparable(before));
    expect(after.State.Running).toBe(true);
    expect(after.NetworkSettings.Networks[NET_A].IPAddress).toBe("10.213.7.10");
    expect(after.NetworkSettings.Networks[NET_B].Links).toEqual([`${PREFIX}peer:peer`]);
    await eventually(async () => healthOf(`${PREFIX}hardened`) === "healthy", 20_000, "the re-created container's healthcheck");
  }, 60_000);
});

describe("the lab's processes", () => {
  it("main and compose workers come back identical and healthy; `lab up workers` then changes nothing", async () => {
    const before = labIds();
    let broken = true;
    try {
      const services = ["synapse", "synapse-worker-generic", "synapse-worker-federation-sender"];
      // Compared from a settled lab: a process the engine is restarting shows no ports.
      for (const s of services) await eventually(async () => ["healthy", "none"].includes(healthOf(labContainer(s))) && inspect(labContainer(s)).State.Running, 120_000, `${s} running`);
      const [main, generic, sender] = await Promise.all(services.map((s) => recreate(labContainer(s))));
      console.log(`[fidelity] engine record: main ${main.bytes} bytes, compose workers ${generic.bytes} (http) and ${sender.bytes} (no http) bytes`);
      for (const { before: b, after: a } of [main, generic, sender]) {
        expect(comparable(a)).toEqual(comparable(b));
        expect(a.Config.Healthcheck).toEqual(b.Config.Healthcheck);
        expect(a.Config.Labels["com.docker.compose.config-hash"]).toBe(b.Config.Labels["com.docker.compose.config-hash"]);
      }
      for (const name of ["fleetlab_synapse_1", "fleetlab_synapse-worker-generic_1"]) {
        await eventually(async () => healthOf(name) === "healthy", 180_000, `${name}'s healthcheck`);
      }
      const recreated = labIds();
      expect(Object.keys(recreated).sort()).toEqual(Object.keys(before).sort());
      const output = labUpWorkers();
      console.log(`[fidelity] lab up workers after the re-create:\n${output.split("\n").filter((l) => /up-to-date|Recreating|Creating|Starting/.test(l)).join("\n")}`);
      expect(labIds()).toEqual(recreated); // compose re-created nothing: same ids
      expect(output).not.toMatch(/Recreating|Creating fleetlab/);
      broken = false;
    } finally {
      if (broken) labUpWorkers(); // a half-done round trip: compose puts the lab back
    }
  }, 420_000);

  it("a dashboard-made worker inherits main's container but what must differ, and round-trips", async () => {
    const mainId = labContainer("synapse");
    const mainSpec = await runner.specOf(mainId);
    const port = 18_979;
    const spec = workerContainerSpec({ ...mainSpec, id: mainId, managedByFleet: false }, { name: "fidelity_w1", kind: "generic", httpPort: port, alias: "fidelity-w1", peers: [], mainHttpPort: 8008 });
    // Created, not started: it has no worker file in the lab, and inspect is what is compared.
    const id = await runner.create({ ...spec, name: `${PREFIX}worker` });
    const [main, worker] = [inspect(mainId), inspect(id)];
    expect(differingFields(main, worker)).toEqual([
      "Config.Cmd", "Config.ExposedPorts", "Config.Healthcheck", "Config.Hostname", "Config.Labels",
      "HostConfig.Memory", "HostConfig.MemorySwap", "HostConfig.NanoCpus", "HostConfig.PortBindings",
    ]);
    expect(worker.Config.Healthcheck).toEqual({ ...main.Config.Healthcheck, Test: ["CMD", "curl", "-fsS", "-o", "/dev/null", `http://localhost:${port}/health`] });
    expect(Object.keys(worker.Config.Labels).filter((k) => k.startsWith("com.docker.compose."))).toEqual([]);
    expect(worker.HostConfig.PortBindings).toEqual({ [`${port}/tcp`]: [{ HostIp: "", HostPort: String(port) }] });

    const { before, after, bytes } = await recreate(id);
    console.log(`[fidelity] engine record: dashboard-made worker ${bytes} bytes`);
    expect(comparable(after)).toEqual(comparable(before));
  }, 60_000);
});
