import { expect, test } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { containerEnvSecrets, labSecrets, leakedIn } from "../tests/lab-secrets";
import { FleetApi } from "./fleet-api";

// Runs last (after the lifecycle story): every real secret of the lab — homeserver.yaml's, the
// signing key, the passwords lab.sh generated, the credentials in the containers' environment —
// is absent from what the whole run's API answers hold now (topology, plan previews of an add and
// a rollback, history with every entry, operations, the compose export, config files) and from the
// dashboard's own server log. Values are compared, not key names.

test("no secret of the lab is in any API answer or in the server's log of this run", async ({ baseURL }) => {
  const secrets = labSecrets(process.env.SYNAPSE_CONFIG_DIR!);
  // database and Redis passwords (also in main's env), shared secret, macaroon key, form secret, signing key
  expect(secrets.length).toBeGreaterThanOrEqual(6);
  // Main's environment carries two of them (lab/docker-compose.yml): a database URL with credentials, the Redis password.
  const mainEnv = containerEnvSecrets().filter((s) => s.where.startsWith("fleetlab_synapse_1 "));
  expect(mainEnv.map((s) => s.where).sort()).toEqual(["fleetlab_synapse_1 env DATABASE_URL (URL password)", "fleetlab_synapse_1 env REDIS_PASSWORD"]);
  for (const s of mainEnv) expect(secrets.some((x) => x.value === s.value), s.where).toBe(true);
  const admin = FleetApi.withRole(baseURL!, "admin");
  const answers: string[] = [];
  const call = async (method: string, p: string, body?: unknown) => {
    const res = await fetch(baseURL + p, {
      method,
      headers: { Authorization: `Bearer ${admin.token}`, "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    expect(res.status, p).toBe(200);
    const text = await res.text();
    answers.push(text);
    return text;
  };
  const get = (p: string) => call("GET", p);
  await get("/api/topology");
  await get("/api/export/compose");
  // A preview of an add carries a container spec made from main's, secret env included: masked.
  const add = JSON.parse(await call("POST", "/api/plans", { intent: { kind: "add_worker", type: "generic" } })) as { steps: Array<{ kind: string; spec?: { env: Record<string, string> } }> };
  const created = add.steps.find((s) => s.kind === "create_container");
  expect(created?.spec?.env).toMatchObject({ REDIS_PASSWORD: "«masked»", DATABASE_URL: expect.stringContaining("«masked»") });
  await call("POST", "/api/plans", { intent: { kind: "rollback_to_single_process" } });
  const history = JSON.parse(await get("/api/history?limit=200")) as Array<{ id: string; plan: { steps: Array<{ kind: string }> } }>;
  expect(history.length).toBeGreaterThan(5);
  // The story added workers: operation records with created containers are among those checked.
  expect(history.some((op) => op.plan.steps.some((s) => s.kind === "create_container"))).toBe(true);
  for (const op of history) {
    await get(`/api/history/${op.id}`);
    await get(`/api/operations/${op.id}`);
  }
  const files = JSON.parse(await get("/api/config/files")) as { files: Array<{ path: string }> };
  for (const f of files.files) await get(`/api/config/files/${f.path}`);
  expect(leakedIn(answers.join("\n"), secrets), "secrets in an API answer (where they came from)").toEqual([]);

  const log = fs.readFileSync(path.join(process.env.FLEET_E2E_DATA_DIR!, "server.log"), "utf8");
  expect(log).toContain("listening on");
  expect(leakedIn(log, secrets), "secrets in the server's log").toEqual([]);
});
