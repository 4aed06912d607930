import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

// The config directory as the editor reads it, against the real lab: what is listed, what is
// served, and that the lab's real secrets never leave the server.

let token = "";
const dir = () => process.env.SYNAPSE_CONFIG_DIR!;
const get = (p: string) => fetch(new URL(p, test.info().project.use.baseURL!), { headers: { Authorization: `Bearer ${token}` } });

test.beforeAll(() => {
  token = execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/fleet.ts", "token", "create", "--role", "viewer", "--name", "e2e-config"], {
    encoding: "utf8",
    env: { ...process.env, FLEET_DATA_DIR: process.env.FLEET_E2E_DATA_DIR },
    stdio: ["ignore", "pipe", "ignore"],
  }).trim().split("\n").pop()!;
});

/** Every string value under a key that names a secret in the lab's homeserver.yaml. */
function labSecrets(): string[] {
  const out: string[] = [];
  const walk = (v: unknown, key = "") => {
    if (typeof v === "string" && /secret|password|macaroon|form_secret/i.test(key) && v.length >= 8) out.push(v);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(parse(fs.readFileSync(path.join(dir(), "homeserver.yaml"), "utf8")));
  return out;
}

test("a viewer lists the lab's config files with their versions, and no key file", async () => {
  const res = await get("/api/config/files");
  expect(res.status).toBe(200);
  const { files } = (await res.json()) as { files: Array<{ path: string; kind: string; version: string; editable: boolean }> };
  const paths = files.map((f) => f.path);
  expect(paths).toEqual(expect.arrayContaining(["homeserver.yaml", "log.config", "prometheus/synapse-targets.json"]));
  expect(paths.filter((p) => p.startsWith("workers/")).length).toBeGreaterThanOrEqual(1);
  expect(paths.some((p) => /\.(key|pem)$/.test(p))).toBe(false);
  const hs = files.find((f) => f.path === "homeserver.yaml")!;
  expect(hs.version).toBe(createHash("sha256").update(fs.readFileSync(path.join(dir(), "homeserver.yaml"))).digest("hex"));
  expect(files.find((f) => f.path === "prometheus/synapse-targets.json")!.editable).toBe(false);
});

test("homeserver.yaml is served masked: none of the lab's real secrets is in the answer", async () => {
  const secrets = labSecrets();
  expect(secrets.length).toBeGreaterThanOrEqual(2);
  const res = await get("/api/config/files/homeserver.yaml");
  expect(res.status).toBe(200);
  const text = await res.text();
  for (const s of secrets) expect(text).not.toContain(s);
  expect(text).toContain("«masked»");
});

test("a worker file is reached by workers/x.yaml and workers%2Fx.yaml alike; keys, traversal and links are not", async () => {
  const worker = fs.readdirSync(path.join(dir(), "workers")).find((n) => n.endsWith(".yaml"))!;
  const a = await get(`/api/config/files/workers/${worker}`);
  const b = await get(`/api/config/files/workers%2F${worker}`);
  expect(a.status).toBe(200);
  expect(await a.json()).toEqual(await b.json());
  const key = fs.readdirSync(dir()).find((n) => n.endsWith(".key"));
  expect(key, "the lab keeps its signing key in the config dir").toBeDefined();
  expect((await get(`/api/config/files/${key}`)).status).toBe(404);
  expect((await get("/api/config/files/..%2F..%2F..%2Fetc%2Fpasswd")).status).toBe(400);
  expect((await get("/api/config/files/%2Fetc%2Fpasswd")).status).toBe(400);
});
