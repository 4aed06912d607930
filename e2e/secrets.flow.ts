import { expect, test } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import { FleetApi } from "./fleet-api";

// Runs last (after the lifecycle story): every secret value of the lab's homeserver.yaml is absent
// from what the whole run's API answers hold now — topology, history with every entry, operations,
// the compose export, config files — and from the dashboard's own server log.

function labSecrets(): string[] {
  const out = new Set<string>();
  const walk = (v: unknown, key = "") => {
    if (typeof v === "string" && /secret|password|macaroon/i.test(key) && v.length >= 8) out.add(v);
    else if (v && typeof v === "object") for (const [k, x] of Object.entries(v)) walk(x, k);
  };
  walk(parse(fs.readFileSync(path.join(process.env.SYNAPSE_CONFIG_DIR!, "homeserver.yaml"), "utf8")));
  return [...out];
}

test("no secret of the lab is in any API answer or in the server's log of this run", async ({ baseURL }) => {
  const secrets = labSecrets();
  expect(secrets.length).toBeGreaterThanOrEqual(4); // shared secret, macaroon key, form secret, database and Redis passwords
  const admin = FleetApi.withRole(baseURL!, "admin");
  const answers: string[] = [];
  const get = async (p: string) => {
    const res = await fetch(baseURL + p, { headers: { Authorization: `Bearer ${admin.token}` } });
    expect(res.status, p).toBe(200);
    const text = await res.text();
    answers.push(text);
    return text;
  };
  await get("/api/topology");
  await get("/api/export/compose");
  const history = JSON.parse(await get("/api/history?limit=200")) as Array<{ id: string }>;
  expect(history.length).toBeGreaterThan(5);
  for (const op of history) {
    await get(`/api/history/${op.id}`);
    await get(`/api/operations/${op.id}`);
  }
  const files = JSON.parse(await get("/api/config/files")) as { files: Array<{ path: string }> };
  for (const f of files.files) await get(`/api/config/files/${f.path}`);
  const all = answers.join("\n");
  for (const s of secrets) expect(all.includes(s), `a secret of homeserver.yaml (${s.length} characters) in an API answer`).toBe(false);

  const log = fs.readFileSync(path.join(process.env.FLEET_E2E_DATA_DIR!, "server.log"), "utf8");
  expect(log).toContain("listening on");
  for (const s of secrets) expect(log.includes(s), "a secret of homeserver.yaml in the server's log").toBe(false);
});
