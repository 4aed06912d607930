import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { handleApiError } from "@/lib/api/errors";
import { FleetError } from "@/lib/errors";
import { listConfigFiles, parseConfigPath, readConfigFileView, versionOf } from "./files";

let dir: string;
let outside: string;
const HS = `server_name: fleet.test
log_config: "/data/log.config"
registration_shared_secret: "reg-SECRET-1234"
database:
  name: psycopg2
  args:
    user: synapse
    password: db-SECRET-5678
    host: postgres
redis:
  enabled: true
  host: redis
instance_map:
  main: {host: synapse, port: 9093}
signing_key_path: "/data/fleet.test.signing.key"
`;
const WORKER = `worker_app: synapse.app.generic_worker
worker_name: generic_worker1
worker_log_config: /data/log.config
worker_listeners:
  - {type: http, port: 8009, resources: [{names: [client, federation]}]}
`;

beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-config-"));
  outside = mkdtempSync(path.join(os.tmpdir(), "fleet-outside-"));
  writeFileSync(path.join(dir, "homeserver.yaml"), HS);
  writeFileSync(path.join(dir, "log.config"), "version: 1\n");
  writeFileSync(path.join(dir, "fleet.test.signing.key"), "ed25519 a_abcd SIGNINGKEYSECRET\n");
  mkdirSync(path.join(dir, "workers"));
  writeFileSync(path.join(dir, "workers", "generic_worker1.yaml"), WORKER);
  mkdirSync(path.join(dir, "prometheus"));
  writeFileSync(path.join(dir, "prometheus", "synapse-targets.json"), "[]\n");
  writeFileSync(path.join(outside, "passwd"), "root:x:0:0:HOSTFILE\n");
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outside, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return "answered";
  } catch (err) {
    if (err instanceof FleetError) return `${handleApiError(err).status}`;
    throw err;
  }
}

describe("the config files the editor may show", () => {
  it("lists homeserver.yaml, worker files, the named log config and the targets (read-only), never a key", async () => {
    const files = await listConfigFiles(dir);
    expect(files.map((f) => [f.path, f.kind, f.worker, f.editable])).toEqual([
      ["homeserver.yaml", "homeserver", null, true],
      ["workers/generic_worker1.yaml", "worker", "generic_worker1", true],
      ["prometheus/synapse-targets.json", "targets", null, false],
      ["log.config", "log_config", null, true],
    ]);
    expect(files[0].version).toBe(versionOf(HS));
  });

  it("opens a file masked, with the version of its bytes on disk", async () => {
    const view = await readConfigFileView(dir, "homeserver.yaml");
    expect(view.version).toBe(versionOf(HS));
    expect(view.content).toContain("«masked»");
    expect(view.content).not.toMatch(/reg-SECRET-1234|db-SECRET-5678/);
    expect(view.content).toContain("host: postgres");
    expect((await readConfigFileView(dir, "workers/generic_worker1.yaml")).content).toBe(WORKER);
  });

  it("refuses traversal, absolute paths and odd shapes with 400, and unknown or key files with 404", async () => {
    for (const bad of ["../etc/passwd", "workers/../../x", "/etc/passwd", "workers//x.yaml", "a\\b", "x\0y", "./homeserver.yaml", "w".repeat(300)]) {
      expect(await refusal(readConfigFileView(dir, bad)), bad).toBe("400");
    }
    for (const missing of ["fleet.test.signing.key", "workers/nope.yaml", "media_store/x"]) {
      expect(await refusal(readConfigFileView(dir, missing)), missing).toBe("404");
    }
    expect(() => parseConfigPath("workers/generic_worker1.yaml")).not.toThrow();
  });

  it("refuses a worker file that is a link out of the directory, and never returns what it points at", async () => {
    symlinkSync(path.join(outside, "passwd"), path.join(dir, "workers", "evil.yaml"));
    expect(await refusal(readConfigFileView(dir, "workers/evil.yaml"))).toBe("400");
    expect(await refusal(readConfigFileView(dir, "homeserver.yaml"))).toBe("400");
  });

  it("does not list a log config that is a link", async () => {
    rmSync(path.join(dir, "log.config"));
    symlinkSync(path.join(outside, "passwd"), path.join(dir, "log.config"));
    expect((await listConfigFiles(dir)).map((f) => f.path)).not.toContain("log.config");
  });
});
