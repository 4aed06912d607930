// The lab's REAL secrets — homeserver.yaml's, the signing key, the passwords lab.sh generated and
// the credentials in the containers' environment — never leave the dashboard: not in the topology,
// not in a plan preview (an add re-uses main's spec, env included), not in the compose export, not
// in what the dashboard logs meanwhile. Values are compared, not key names.
import { beforeAll, describe, expect, it, vi } from "vitest";
import { discoverTopology } from "@/lib/topology/discover";
import { topologyFor } from "@/lib/topology/redact";
import { exportComposeFile, previewPlan } from "@/lib/operations";
import { MASK } from "@/lib/synapse/secrets";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import path from "node:path";
import { labSynapseHealthy, requireLab } from "./lab-env";
import { containerEnvSecrets, labSecrets, leakedIn, type LabSecret } from "./lab-secrets";

let configDir: string;
let secrets: LabSecret[];
/** Everything the dashboard's code wrote to the console while the tests ran (its log). */
const logged: string[] = [];

beforeAll(async () => {
  ({ configDir } = requireLab());
  await labSynapseHealthy();
  secrets = labSecrets(configDir);
  for (const method of ["log", "info", "warn", "error", "debug"] as const) {
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void logged.push(args.map((a) => (a instanceof Error ? `${a.message}\n${a.stack}` : typeof a === "string" ? a : JSON.stringify(a))).join(" ")));
  }
}, 300_000);

describe("the lab's real secrets stay on the server", () => {
  it("the lab has real secrets, main's container environment among them", () => {
    const hs = parse(readFileSync(path.join(configDir, "homeserver.yaml"), "utf8")) as { database: { args: { password: string } }; redis: { password: string } };
    const env = containerEnvSecrets().filter((s) => s.where.startsWith("fleetlab_synapse_1 "));
    // lab/docker-compose.yml gives main a database URL with credentials and the Redis password.
    expect(env.find((s) => s.where === "fleetlab_synapse_1 env DATABASE_URL (URL password)")?.value).toBe(hs.database.args.password);
    expect(env.find((s) => s.where === "fleetlab_synapse_1 env REDIS_PASSWORD")?.value).toBe(hs.redis.password);
    for (const s of secrets) expect(s.value.length, s.where).toBeGreaterThanOrEqual(8);
    expect(secrets.map((s) => s.where)).toEqual(expect.arrayContaining([
      "homeserver.yaml database.args.password", "homeserver.yaml redis.password", "homeserver.yaml registration_shared_secret",
      "homeserver.yaml macaroon_secret_key", "homeserver.yaml form_secret", "fleet.test.signing.key",
    ]));
  });

  it("the topology, as an admin and a viewer get it, carries none of them", async () => {
    const t = await discoverTopology();
    expect(t.processes.length).toBeGreaterThanOrEqual(4);
    for (const role of ["admin", "viewer"] as const) expect(leakedIn(JSON.stringify(topologyFor(role, t)), secrets), role).toEqual([]);
  });

  it("the preview of an add creates a container from main's spec with its secret env masked, and carries none of them", async () => {
    const { plan } = await previewPlan({ kind: "add_worker", type: "generic" });
    const create = plan.steps.find((s) => s.kind === "create_container");
    expect(create?.kind).toBe("create_container");
    if (create?.kind !== "create_container") return;
    // The env rule ran on real values: the names stay, the secret part is masked.
    expect(create.spec.env.REDIS_PASSWORD).toBe(MASK);
    expect(create.spec.env.DATABASE_URL).toBe(`postgres://synapse:${MASK}@postgres:5432/synapse`);
    expect(create.spec.binds.length).toBeGreaterThan(0);
    expect(leakedIn(JSON.stringify(plan), secrets)).toEqual([]);
  });

  it("the preview of a rollback (homeserver.yaml before and after) carries none of them", async () => {
    const { plan } = await previewPlan({ kind: "rollback_to_single_process" });
    expect(plan.files.find((f) => f.path === "homeserver.yaml")?.before).toContain(MASK);
    expect(leakedIn(JSON.stringify(plan), secrets)).toEqual([]);
  });

  it("the compose export carries none of them", async () => {
    const yaml = await exportComposeFile();
    expect(yaml).toContain("DATABASE_URL");
    expect(leakedIn(yaml, secrets)).toEqual([]);
  });

  it("nor does anything the dashboard logged meanwhile", () => {
    expect(leakedIn(logged.join("\n"), secrets)).toEqual([]);
  });
});
