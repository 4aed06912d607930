import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type Docker from "dockerode";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureObjects, objectFilesOf, objectName, objectPrefix, removeUnused } from "./objects";

let dir: string;
const argv = (...extra: string[]) => ["python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", ...extra];
const spec = (binds: string[], cmd = argv("--config-path", "/data/workers/w1.yaml")) => ({ binds, entrypoint: null, cmd, env: {} });

beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), "objects-"));
  fs.mkdirSync(path.join(dir, "workers"));
  fs.writeFileSync(path.join(dir, "homeserver.yaml"), 'signing_key_path: "/data/my.signing"\nlog_config: /data/log.config\n');
  fs.writeFileSync(path.join(dir, "my.signing"), "ed25519 a_key xyz\n");
  fs.writeFileSync(path.join(dir, "log.config"), "version: 1\n");
  fs.writeFileSync(path.join(dir, "w1.log.config"), "version: 1\n# w1\n");
  fs.writeFileSync(path.join(dir, "workers", "w1.yaml"), "worker_app: synapse.app.generic_worker\nworker_name: w1\nworker_log_config: /data/w1.log.config\n");
  fs.symlinkSync("/etc/passwd", path.join(dir, "link.yaml"));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("objectFilesOf", () => {
  it("turns config-dir binds into secrets (homeserver.yaml, the signing key) and configs, and adds the implicit worker file and its log config", async () => {
    const files = await objectFilesOf(spec(["media:/data/media_store", `${dir}/homeserver.yaml:/data/homeserver.yaml:ro`, `${dir}/my.signing:/data/my.signing:ro`, `${dir}/log.config:/data/log.config:ro`]), dir);
    expect(files).toEqual([
      { target: "/data/homeserver.yaml", file: "homeserver.yaml", kind: "secret" },
      { target: "/data/my.signing", file: "my.signing", kind: "secret" },
      { target: "/data/log.config", file: "log.config", kind: "config" },
      { target: "/data/workers/w1.yaml", file: "workers/w1.yaml", kind: "config" },
      { target: "/data/w1.log.config", file: "w1.log.config", kind: "config" },
    ]);
  });

  it("refuses a host bind outside the config dir, and a directory of it", async () => {
    await expect(objectFilesOf(spec(["/var/run/docker.sock:/var/run/docker.sock"]), dir)).rejects.toMatchObject({ code: "unprocessable", details: { reason: "host_bind" } });
    await expect(objectFilesOf(spec([`${dir}:/data`]), dir)).rejects.toMatchObject({ code: "unprocessable", details: { reason: "host_bind" } });
    await expect(objectFilesOf(spec([`${dir}/workers:/data/workers`]), dir)).rejects.toMatchObject({ details: { reason: "host_bind" } });
  });
});

describe("object names", () => {
  it("are prefix, slug and content hash, within 64 characters", () => {
    expect(objectName("fleetsw", "workers/rt_a.yaml", Buffer.from("x"))).toBe("fleetsw-workers-rt-a-yaml-2d711642b726");
    expect(objectName("fleetsw", `${"a".repeat(100)}.yaml`, Buffer.from("x")).length).toBe(64);
    expect(objectPrefix({ "com.docker.stack.namespace": "fleetsw" })).toBe("fleetsw");
    expect(objectPrefix({})).toBe("fleet");
  });
});

/** An engine that keeps secrets and configs in memory, as the API lists them. */
function fakeEngine() {
  const services: unknown[] = [];
  const store = { secret: new Map<string, { ID: string; Spec: { Name: string; Labels: Record<string, string> } }>(), config: new Map<string, { ID: string; Spec: { Name: string; Labels: Record<string, string> } }>() };
  let n = 0;
  const make = (kind: "secret" | "config") => async (spec: { Name: string; Labels: Record<string, string> }) => {
    const ID = `${kind}${++n}`;
    store[kind].set(ID, { ID, Spec: { Name: spec.Name, Labels: spec.Labels } });
    return { id: ID };
  };
  const remover = (kind: "secret" | "config") => (id: string) => ({ remove: async () => void store[kind].delete(id) });
  // Honours the one filter the code uses: our label.
  const lister = (kind: "secret" | "config") => async (opts?: { filters?: { label?: string[] } }) =>
    [...store[kind].values()].filter((o) => !opts?.filters?.label || o.Spec.Labels["io.synapse-fleet.managed"] === "true");
  const api = {
    listSecrets: lister("secret"),
    listConfigs: lister("config"),
    createSecret: make("secret"),
    createConfig: make("config"),
    getSecret: remover("secret"),
    getConfig: remover("config"),
    listServices: async () => services,
  } as unknown as Docker;
  return { api, store, services };
}

describe("ensureObjects and removeUnused", () => {
  it("makes one labelled object per file, reuses one of the same name, and removes only ours that nothing references", async () => {
    const { api, store, services } = fakeEngine();
    const files = await objectFilesOf(spec([`${dir}/homeserver.yaml:/data/homeserver.yaml:ro`]), dir);
    const first = await ensureObjects(api, files, dir, "fleetsw");
    expect(first.created.map((r) => r.kind)).toEqual(["secret", "config", "config"]);
    expect([...store.secret.values()][0].Spec.Labels).toEqual({ "io.synapse-fleet.managed": "true", "io.synapse-fleet.file": "homeserver.yaml" });
    const again = await ensureObjects(api, files, dir, "fleetsw");
    expect(again.created).toEqual([]);
    expect(again.refs.map((r) => r.id)).toEqual(first.refs.map((r) => r.id));

    store.config.set("other", { ID: "other", Spec: { Name: "elsewhere-x-0123456789ab", Labels: { "io.synapse-fleet.managed": "true" } } });
    store.config.set("stack", { ID: "stack", Spec: { Name: "fleetsw-log-config-0123456789ab", Labels: { "com.docker.stack.namespace": "fleetsw" } } });
    services.push({ Spec: { TaskTemplate: { ContainerSpec: { Secrets: [{ SecretID: first.refs[0].id }] } } } });
    const removed = await removeUnused(api, "fleetsw");
    expect(removed.sort()).toEqual(first.refs.filter((r) => r.kind === "config").map((r) => r.name).sort());
    expect([...store.secret.keys()]).toEqual([first.refs[0].id]);
    expect([...store.config.keys()]).toEqual(["other", "stack"]); // another prefix's, the stack's: not ours to delete
  });

  it("reuses an object of the same name that is not ours (the stack's, same content hash)", async () => {
    const { api, store } = fakeEngine();
    const name = objectName("fleetsw", "log.config", fs.readFileSync(path.join(dir, "log.config")));
    store.config.set("stackmade", { ID: "stackmade", Spec: { Name: name, Labels: {} } });
    const got = await ensureObjects(api, [{ kind: "config", target: "/data/log.config", file: "log.config" }], dir, "fleetsw");
    expect(got).toEqual({ refs: [{ kind: "config", target: "/data/log.config", file: "log.config", id: "stackmade", name }], created: [] });
    expect(await removeUnused(api, "fleetsw")).toEqual([]);
  });

  it("takes back the objects it made when a later file fails", async () => {
    const { api, store } = fakeEngine();
    const files = [
      { kind: "config" as const, target: "/data/log.config", file: "log.config" },
      { kind: "config" as const, target: "/data/link.yaml", file: "link.yaml" },
    ];
    await expect(ensureObjects(api, files, dir, "fleetsw")).rejects.toMatchObject({ details: { reason: "unsafe_path" } });
    expect(store.config.size).toBe(0);
  });
});
