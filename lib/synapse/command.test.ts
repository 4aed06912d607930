import { describe, expect, it } from "vitest";
import { envRecord, parseSynapseCommand } from "./command";

describe("parseSynapseCommand", () => {
  it("reads main started with python -m", () => {
    expect(parseSynapseCommand(["python3", "-m", "synapse.app.homeserver", "--config-path", "/data/homeserver.yaml"])).toEqual({
      app: "synapse.app.homeserver",
      configPaths: ["/data/homeserver.yaml"],
    });
  });

  it("reads a worker with both config paths, in either flag form", () => {
    const argv = ["python3", "-m", "synapse.app.generic_worker", "--config-path=/data/homeserver.yaml", "-c", "/data/workers/w1.yaml"];
    expect(parseSynapseCommand(argv)).toEqual({ app: "synapse.app.generic_worker", configPaths: ["/data/homeserver.yaml", "/data/workers/w1.yaml"] });
  });

  it("treats the legacy per-type apps as the generic worker", () => {
    expect(parseSynapseCommand(["python", "-m", "synapse.app.media_repository", "-c", "a", "-c", "b"])?.app).toBe("synapse.app.generic_worker");
  });

  it("follows the official image: /start.py run with SYNAPSE_WORKER", () => {
    const argv = ["/start.py", "run", "--config-path=/data/homeserver.yaml", "--config-path=/data/workers/g2.yaml"];
    expect(parseSynapseCommand(argv, { SYNAPSE_WORKER: "synapse.app.generic_worker" })?.app).toBe("synapse.app.generic_worker");
    expect(parseSynapseCommand(argv, {})?.app).toBe("synapse.app.homeserver");
    expect(parseSynapseCommand(["/start.py", "run"], {})?.configPaths).toEqual(["/data/homeserver.yaml"]);
  });

  it("recognises Debian's synapse_worker wrapper", () => {
    expect(parseSynapseCommand(["/usr/bin/synapse_worker", "-c", "/etc/matrix-synapse/homeserver.yaml", "-c", "/w.yaml"])?.app).toBe("synapse.app.generic_worker");
  });

  it("ignores containers that are not Synapse", () => {
    expect(parseSynapseCommand(["redis-server", "--save", ""])).toBeNull();
    expect(parseSynapseCommand(["postgres", "-D", "/var/lib/postgresql"])).toBeNull();
  });
});

describe("envRecord", () => {
  it("splits on the first equals sign only", () => {
    expect(envRecord(["A=1", "B=x=y", "BROKEN"])).toEqual({ A: "1", B: "x=y" });
  });
});
