import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { containerSpecSchema, type ContainerSpec } from "@/lib/synapse/plan-schema";
import { createFields } from "./container-record";
import { createOptions, specFromInspect } from "./containers";

const ID = "fedcba9876543210fedcba9876543210";

/** A hardened container as the engine shows it: every option an operator sets against attacks. */
function hardenedInspect(): Docker.ContainerInspectInfo {
  return {
    Id: ID,
    Name: "/synapse",
    Created: "2026-12-01T00:00:00Z",
    State: { Status: "running", Running: true },
    Image: "sha256:abc",
    LogPath: "/var/lib/docker/containers/x/x-json.log",
    Config: {
      Hostname: ID.slice(0, 12), Domainname: "example.org", User: "991:991", Image: "synapse:1", Entrypoint: null, Cmd: ["python3", "-m", "synapse.app.homeserver"],
      Env: ["SYNAPSE_DB_PASSWORD=hunter2"], Labels: { "com.docker.compose.service": "synapse" }, WorkingDir: "/data", StopSignal: "SIGINT", StopTimeout: 30,
      Tty: false, OpenStdin: false, OnBuild: null, MacAddress: "",
      ExposedPorts: { "8008/tcp": {}, "9000/tcp": {}, "5353/udp": {} },
      Healthcheck: { Test: ["CMD", "curl", "-fsS", "http://localhost:8008/health"], Interval: 5e9, Timeout: 3e9, Retries: 3 },
    },
    HostConfig: {
      Binds: ["/srv/synapse:/data:rw"], NanoCpus: 2e9, Memory: 2 ** 31, MemorySwap: 2 ** 32, MemoryReservation: 2 ** 30, CpuQuota: 0, CpuPeriod: 0,
      NetworkMode: "back", RestartPolicy: { Name: "on-failure", MaximumRetryCount: 5 },
      PortBindings: { "8008/tcp": [{ HostIp: "127.0.0.1", HostPort: "8008" }], "9000/tcp": [{ HostIp: "", HostPort: "" }], "5353/udp": [{ HostIp: "", HostPort: "5353" }] },
      CapDrop: ["ALL"], CapAdd: ["NET_BIND_SERVICE"], SecurityOpt: ["no-new-privileges"], ReadonlyRootfs: true, Tmpfs: { "/tmp": "rw,size=64m" },
      Ulimits: [{ Name: "nofile", Soft: 4096, Hard: 8192 }], LogConfig: { Type: "json-file", Config: { "max-size": "10m" } }, Init: true, PidsLimit: 256,
      Links: ["/redis:/synapse/cache"], Dns: null, Sysctls: { "net.core.somaxconn": "1024" },
      Mounts: [{ Type: "tmpfs", Target: "/run" }, { Type: "volume", Target: "/media" }],
    },
    Mounts: [
      { Type: "bind", Source: "/srv/synapse", Destination: "/data", RW: true },
      { Type: "tmpfs", Source: "", Destination: "/run", RW: true },
      { Type: "volume", Name: "0a1b2c", Source: "/var/lib/docker/volumes/0a1b2c/_data", Destination: "/media", RW: true },
    ],
    NetworkSettings: {
      SandboxID: "s",
      Networks: {
        app: { Aliases: ["synapse-app", ID.slice(0, 12)], NetworkID: "n1", EndpointID: "e1", IPAddress: "10.0.0.5", MacAddress: "02:42:0a:00:00:05", Gateway: "10.0.0.1", IPAMConfig: null, Links: null, DriverOpts: null },
        back: { Aliases: ["synapse"], IPAMConfig: { IPv4Address: "10.9.0.10" }, Links: ["postgres:db"], NetworkID: "n2", EndpointID: "e2", IPAddress: "10.9.0.10", Gateway: "10.9.0.1", IPPrefixLen: 24 },
      },
    },
  } as unknown as Docker.ContainerInspectInfo;
}

describe("the engine record read from inspect", () => {
  const spec = specFromInspect(hardenedInspect());
  const { config, hostConfig } = spec.engine!;

  it("keeps the healthcheck, stop signal, working dir, domain name and every hardening option", () => {
    expect(config).toMatchObject({ Healthcheck: { Test: ["CMD", "curl", "-fsS", "http://localhost:8008/health"], Interval: 5e9 }, StopSignal: "SIGINT", StopTimeout: 30, WorkingDir: "/data", Domainname: "example.org" });
    expect(hostConfig).toMatchObject({
      CapDrop: ["ALL"], CapAdd: ["NET_BIND_SERVICE"], SecurityOpt: ["no-new-privileges"], ReadonlyRootfs: true, Tmpfs: { "/tmp": "rw,size=64m" },
      Ulimits: [{ Name: "nofile", Soft: 4096, Hard: 8192 }], LogConfig: { Type: "json-file", Config: { "max-size": "10m" } }, Init: true, PidsLimit: 256,
      MemorySwap: 2 ** 32, MemoryReservation: 2 ** 30, Sysctls: { "net.core.somaxconn": "1024" }, RestartPolicy: { Name: "on-failure", MaximumRetryCount: 5 },
    });
  });

  it("leaves out the typed fields (env above all), the engine's own hostname, nulls and what the engine assigns", () => {
    for (const k of ["Env", "Image", "Cmd", "Entrypoint", "Labels", "User", "Hostname", "OnBuild"]) expect(config).not.toHaveProperty(k);
    for (const k of ["Binds", "NanoCpus", "Memory", "Dns"]) expect(hostConfig).not.toHaveProperty(k);
    expect(JSON.stringify(spec.engine)).not.toContain("hunter2");
  });

  it("keeps the exposed ports and bindings the typed ports do not carry", () => {
    expect(spec.ports).toEqual([{ container: 8008, host: 8008, hostIp: "127.0.0.1" }]);
    expect(config.ExposedPorts).toEqual({ "9000/tcp": {}, "5353/udp": {} });
    expect(hostConfig.PortBindings).toEqual({ "9000/tcp": [{ HostIp: "", HostPort: "" }], "5353/udp": [{ HostIp: "", HostPort: "5353" }] });
  });

  it("writes legacy links as create takes them and names an anonymous --mount volume, which is not also a bind", () => {
    expect(hostConfig.Links).toEqual(["redis:cache"]);
    expect(hostConfig.Mounts).toEqual([{ Type: "tmpfs", Target: "/run" }, { Type: "volume", Target: "/media", Source: "0a1b2c" }]);
    expect(spec.binds).toEqual(["/srv/synapse:/data:rw"]);
  });

  it("puts the network the mode names first, with its static address and links; assigned addresses and the engine's alias left out", () => {
    expect(spec.networks).toEqual([
      { name: "back", aliases: ["synapse"], endpoint: { IPAMConfig: { IPv4Address: "10.9.0.10" }, Links: ["postgres:db"] } },
      { name: "app", aliases: ["synapse-app"] },
    ]);
  });

  it("keeps a hostname the operator chose, and drops it from the aliases (the engine adds it again)", () => {
    const info = hardenedInspect();
    info.Config.Hostname = "synapse-host";
    (info.NetworkSettings.Networks.back.Aliases as string[]).push("synapse-host");
    const s = specFromInspect(info);
    expect(s.engine!.config.Hostname).toBe("synapse-host");
    expect(s.networks[0].aliases).toEqual(["synapse"]);
  });

  it("is valid for the schema, and a record beyond 64 KiB is refused", () => {
    expect(containerSpecSchema.parse(spec)).toEqual(spec);
    const huge = { ...spec, engine: { config: { Env: "x".repeat(70_000) }, hostConfig: {} } };
    expect(containerSpecSchema.safeParse(huge).success).toBe(false);
  });
});

describe("create options from a spec", () => {
  const spec = specFromInspect(hardenedInspect());

  it("are the recorded fields with the typed ones on top", () => {
    const opts = createOptions(spec) as unknown as Record<string, Record<string, unknown>>;
    expect(opts).toMatchObject({ Healthcheck: spec.engine!.config.Healthcheck, StopSignal: "SIGINT", Domainname: "example.org", Image: "synapse:1", User: "991:991" });
    expect(opts.Env).toEqual(["SYNAPSE_DB_PASSWORD=hunter2"]);
    expect(opts.ExposedPorts).toEqual({ "9000/tcp": {}, "5353/udp": {}, "8008/tcp": {} });
    expect(opts.HostConfig).toMatchObject({ CapDrop: ["ALL"], ReadonlyRootfs: true, NanoCpus: 2e9, Memory: 2 ** 31, NetworkMode: "back", Binds: ["/srv/synapse:/data:rw"] });
    expect(opts.HostConfig.PortBindings).toEqual({ ...(spec.engine!.hostConfig.PortBindings as object), "8008/tcp": [{ HostIp: "127.0.0.1", HostPort: "8008" }] });
    expect(opts.NetworkingConfig).toEqual({ EndpointsConfig: { back: { IPAMConfig: { IPv4Address: "10.9.0.10" }, Links: ["postgres:db"], Aliases: ["synapse"] } } });
  });

  it("give back what inspect showed: spec → create → inspect → spec is the identity", () => {
    const opts = createOptions(spec) as unknown as Record<string, unknown> & { HostConfig: Record<string, unknown> };
    const { name, HostConfig, NetworkingConfig: _n, ...config } = opts;
    const info = hardenedInspect();
    const echoed = {
      ...info,
      Name: `/${name}`,
      Config: { ...config, Hostname: ID.slice(0, 12), ExposedPorts: info.Config.ExposedPorts },
      HostConfig: { ...HostConfig, PortBindings: info.HostConfig.PortBindings },
    } as unknown as Docker.ContainerInspectInfo;
    expect(specFromInspect(echoed)).toEqual(spec);
  });

  it("leave to the engine a recorded value that contradicts a typed one the planner changed", () => {
    const withQuota: ContainerSpec = { ...spec, engine: { config: {}, hostConfig: { CpuQuota: 50_000, CpuPeriod: 100_000, MemorySwap: 2 ** 28, MemoryReservation: 2 ** 30 } } };
    const small = createFields({ ...withQuota, resources: { nanoCpus: 5e8, memoryBytes: 2 ** 29 } }).hostConfig;
    for (const k of ["CpuQuota", "CpuPeriod", "MemorySwap", "MemoryReservation"]) expect(small).not.toHaveProperty(k);
    const none = createFields({ ...withQuota, resources: { nanoCpus: null, memoryBytes: null } }).hostConfig;
    expect(none).toMatchObject({ CpuQuota: 50_000, CpuPeriod: 100_000, MemoryReservation: 2 ** 30 });
    expect(none).not.toHaveProperty("MemorySwap"); // a swap limit needs a memory limit
    expect(createFields({ ...spec, resources: { nanoCpus: null, memoryBytes: 2 ** 31 } }).hostConfig.MemorySwap).toBe(2 ** 32);
    expect(createFields({ ...spec, restartPolicy: "unless-stopped" }).hostConfig.RestartPolicy).toEqual({ Name: "unless-stopped" });
  });

  it("say 'default' for the default bridge, and keep a mode without networks", () => {
    const bridge: ContainerSpec = { ...spec, networks: [{ name: "bridge", aliases: [] }], engine: { config: {}, hostConfig: { NetworkMode: "default" } } };
    expect(createFields(bridge).hostConfig.NetworkMode).toBe("default");
    const shared: ContainerSpec = { ...spec, networks: [], engine: { config: {}, hostConfig: { NetworkMode: "container:abc" } } };
    expect(createFields(shared).hostConfig.NetworkMode).toBe("container:abc");
  });

  it("from a spec recorded before the engine record existed are what they were", () => {
    const { engine: _e, ...old } = spec;
    const opts = createOptions({ ...old, networks: old.networks.map(({ name, aliases }) => ({ name, aliases })) }) as unknown as Record<string, Record<string, unknown>>;
    expect(opts.Healthcheck).toBeUndefined();
    expect(opts.HostConfig.RestartPolicy).toEqual({ Name: "on-failure" });
    expect(opts.ExposedPorts).toEqual({ "8008/tcp": {} });
    expect(opts.NetworkingConfig).toEqual({ EndpointsConfig: { back: { Aliases: ["synapse"] } } });
  });
});
