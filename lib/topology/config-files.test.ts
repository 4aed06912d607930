import { mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { hostPathOf, readHomeserver, readWorkerFile } from "./config-files";

const root = mkdtempSync(path.join(os.tmpdir(), "fleet-config-files-"));
const dir = path.join(root, "config");
const hostFile = path.join(root, "host", "secret.yaml");
mkdirSync(path.join(dir, "workers"), { recursive: true });
mkdirSync(path.dirname(hostFile));
writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: example.org\n");
writeFileSync(path.join(dir, "workers", "w1.yaml"), "worker_app: synapse.app.generic_worker\nworker_name: w1\n");
// Valid worker YAML: a read that followed the link would parse it and answer its name.
writeFileSync(hostFile, "worker_app: synapse.app.generic_worker\nworker_name: SECRET-MARKER\n");
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("config files read for discovery", () => {
  it("reads a worker file, reached through the container's bind mount, and re-reads it once it changes", async () => {
    const mounts = [{ source: dir, destination: "/data" }];
    const hostPath = await hostPathOf("/data/workers/w1.yaml", mounts, "/data/homeserver.yaml", dir);
    expect(hostPath).toBe(path.join(dir, "workers", "w1.yaml"));
    expect((await readWorkerFile(hostPath!, "w1.yaml", dir)).workerName).toBe("w1");
    writeFileSync(hostPath!, "worker_app: synapse.app.generic_worker\nworker_name: w1b\n");
    utimesSync(hostPath!, new Date(), new Date(Date.now() + 5_000));
    expect((await readWorkerFile(hostPath!, "w1.yaml", dir)).workerName).toBe("w1b");
  });

  it("refuses a worker file that is a link to a host file, naming it", async () => {
    symlinkSync(hostFile, path.join(dir, "workers", "x.yaml"));
    const err = await readWorkerFile(path.join(dir, "workers", "x.yaml"), "x.yaml", dir).then(
      (w) => new Error(`read ${w.workerName}`),
      (e: Error) => e,
    );
    expect(err.message).toBe("x.yaml is a symbolic link: refused");
  });

  it("refuses a worker file whose real path leaves the config dir", async () => {
    // A mount whose source is a directory outside: the mapping may lead there, the read may not.
    const outside = path.dirname(hostFile);
    const hostPath = await hostPathOf("/elsewhere/secret.yaml", [{ source: outside, destination: "/elsewhere" }], "/data/homeserver.yaml", dir);
    await expect(readWorkerFile(hostPath!, "secret.yaml", dir)).rejects.toThrow("secret.yaml lies outside the config directory: refused");
    await expect(readWorkerFile(hostPath!, "secret.yaml", null)).rejects.toThrow(/SYNAPSE_CONFIG_DIR is not set/);
  });

  it("refuses a homeserver.yaml that is a link", async () => {
    const other = path.join(root, "other");
    mkdirSync(other);
    symlinkSync(hostFile, path.join(other, "homeserver.yaml"));
    await expect(readHomeserver(other)).rejects.toThrow("homeserver.yaml is a symbolic link: refused");
    expect((await readHomeserver(dir)).serverName).toBe("example.org");
  });
});
