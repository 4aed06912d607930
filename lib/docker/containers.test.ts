import type Docker from "dockerode";
import { describe, expect, it } from "vitest";
import { ContainerRunner, createOptions, demultiplexLogs, specFromInspect } from "./containers";

function frame(stream: 1 | 2, text: string): Buffer {
  const body = Buffer.from(text);
  const head = Buffer.alloc(8);
  head[0] = stream;
  head.writeUInt32BE(body.length, 4);
  return Buffer.concat([head, body]);
}

const inspect = {
  Id: "0123456789abcdef",
  Name: "/fleetlab-worker-w2",
  Config: {
    Image: "synapse:1", Entrypoint: null, Cmd: ["python3", "-m", "synapse.app.generic_worker"], Env: ["A=1", "B=x=y"], User: "",
    Labels: { "io.synapse-fleet.managed": "true" },
  },
  HostConfig: {
    Binds: ["/srv/config:/data:rw"], RestartPolicy: { Name: "unless-stopped" }, NanoCpus: 500000000, Memory: 0,
    PortBindings: { "8011/tcp": [{ HostIp: "", HostPort: "8011" }], "9999/udp": [{ HostIp: "", HostPort: "9999" }] },
  },
  Mounts: [
    { Type: "bind", Source: "/srv/config", Destination: "/data", RW: true },
    { Type: "volume", Name: "media", Source: "/var/lib/docker/volumes/media/_data", Destination: "/media", RW: true },
  ],
  NetworkSettings: { Networks: { front: { Aliases: ["w2", "0123456789ab"] }, back: { Aliases: null } } },
} as unknown as Docker.ContainerInspectInfo;

describe("containers", () => {
  it("reads a spec from inspect: env as a record, named volumes as name:/dest, no engine-made alias, TCP ports only", () => {
    expect(specFromInspect(inspect)).toEqual({
      name: "fleetlab-worker-w2", image: "synapse:1", entrypoint: null, cmd: ["python3", "-m", "synapse.app.generic_worker"],
      env: { A: "1", B: "x=y" }, binds: ["/srv/config:/data:rw", "media:/media"],
      networks: [{ name: "front", aliases: ["w2"] }, { name: "back", aliases: [] }],
      labels: { "io.synapse-fleet.managed": "true" }, restartPolicy: "unless-stopped", user: null,
      ports: [{ container: 8011, host: 8011, hostIp: "" }], resources: { nanoCpus: 500000000, memoryBytes: null },
      // A UDP binding is not a typed port: the engine record keeps it.
      engine: { config: {}, hostConfig: { RestartPolicy: { Name: "unless-stopped" }, PortBindings: { "9999/udp": [{ HostIp: "", HostPort: "9999" }] } } },
    });
  });

  it("creates with the first network and its aliases; publishes and exposes each port", () => {
    const opts = createOptions(specFromInspect(inspect));
    expect(opts.NetworkingConfig).toEqual({ EndpointsConfig: { front: { Aliases: ["w2"] } } });
    expect(opts.HostConfig).toMatchObject({ NetworkMode: "front", PortBindings: { "8011/tcp": [{ HostIp: "", HostPort: "8011" }] }, NanoCpus: 500000000 });
    expect(opts.ExposedPorts).toEqual({ "8011/tcp": {} });
    expect(opts.Env).toEqual(["A=1", "B=x=y"]);
  });

  it("connects the other networks with their recorded endpoint settings (static address, links) and aliases", async () => {
    const calls: unknown[] = [];
    const api = {
      createContainer: async (o: Docker.ContainerCreateOptions) => {
        calls.push(["create", o.NetworkingConfig]);
        return { id: "c1", remove: async () => undefined };
      },
      getNetwork: (name: string) => ({ connect: async (o: unknown) => void calls.push(["connect", name, o]) }),
    } as unknown as Docker;
    const spec = { ...specFromInspect(inspect), networks: [{ name: "front", aliases: ["w2"] }, { name: "back", aliases: ["b"], endpoint: { IPAMConfig: { IPv4Address: "10.1.0.9" }, Links: ["db:db"] } }] };
    expect(await new ContainerRunner(api).create(spec)).toBe("c1");
    expect(calls).toEqual([
      ["create", { EndpointsConfig: { front: { Aliases: ["w2"] } } }],
      ["connect", "back", { Container: "c1", EndpointConfig: { IPAMConfig: { IPv4Address: "10.1.0.9" }, Links: ["db:db"], Aliases: ["b"] } }],
    ]);
  });

  it("demultiplexes stdout and stderr frames, and passes TTY output through", () => {
    expect(demultiplexLogs(Buffer.concat([frame(1, "out 1\n"), frame(2, "err 1\n"), frame(1, "out 2\n")]))).toBe("out 1\nerr 1\nout 2\n");
    expect(demultiplexLogs(Buffer.from("plain tty output\n"))).toBe("plain tty output\n");
  });
});
