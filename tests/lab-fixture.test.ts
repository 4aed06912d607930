// The planner's unit tests plan against a fixture of the lab (lib/synapse/fixtures/lab.ts). This
// keeps it equal to what `lab/lab.sh up` writes and runs: the config files of both modes (workers
// from the running lab's config dir and from `lab.sh render`, single from `lab.sh render` — the
// shared lab cannot be switched for a test) and the container specs discovery records.
// Normalised, each for a reason: secret values (the fixture's are made up), where this checkout is
// and the image recipe (both vary by machine), compose's config hashes (they hash both), engine-
// assigned ids, the order of binds (compose's varies between recreations), and the engine record
// (tested on its own fixtures and by tests/fidelity*.test.ts).
// A few differences are kept on purpose, listed in `pinned` with the unit test that pins them.
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { captureSnapshot } from "@/lib/operations/snapshot";
import { labLogConfig, labMediaLogConfig, labSnapshot, singleSnapshot } from "@/lib/synapse/fixtures/lab";
import type { ContainerSpec, DeploymentSnapshot } from "@/lib/synapse/plan-schema";
import { labSynapseHealthy, requireLab } from "./lab-env";

const HS = "homeserver.yaml";
const TARGETS = "prometheus/synapse-targets.json";
const WORKER_FILES = ["workers/federation_sender1.yaml", "workers/generic_worker1.yaml", "workers/media_worker.yaml"];
const MEDIA_LOG_CONFIG = "media_worker.log.config";
/** The fixture's checkout of the lab; the real one is wherever this clone is. */
const FIXTURE_LAB_DIR = "/work/main/lab";

/**
 * Differences kept on purpose: unit tests pin these fixture details (changing them there is the
 * way to drop an entry here).
 */
const pinned = {
  // bad-configs.ts appends `enable_media_repo: false` to the single-mode text ("media served by nobody").
  singleMediaRepo: "enable_media_repo",
  // compose-export.test.ts counts the exported secret variables of the lab's containers exactly.
  envSecrets: ["DATABASE_URL", "REDIS_PASSWORD"],
  // container-spec.test.ts and plan-add.test.ts expect a worker's published port on 0.0.0.0; compose 1.29 writes "".
  hostIp: "0.0.0.0",
  // plan-rollback.test.ts expects a restore of the fixture to touch homeserver.yaml only; snapshots hold log.config too.
  logConfigInSnapshot: "log.config",
  // plan-edit.test.ts expects a log.config edit to reload every process, media_worker among them; the
  // lab's media worker logs to a file through its own log config (tests/file-logs.test.ts), which
  // snapshots hold too.
  mediaLogConfig: { file: "workers/media_worker.yaml", lab: "/data/media_worker.log.config", fixture: "/data/log.config", inSnapshot: MEDIA_LOG_CONFIG },
  // The planner's unit tests plan without the lab's nginx entrypoint (an lb adds reload steps to
  // every plan); plan-lb.test.ts and plan-lifecycle.test.ts give theirs one, and tests/lb-plan.test.ts
  // checks the lab's file is what the planner renders.
  loadBalancer: { name: "fleetlab_lb_1", file: "nginx/synapse.conf" },
};

type Yaml = Record<string, unknown> & { database: { args: Record<string, unknown> }; redis: Record<string, unknown> };

/** homeserver.yaml as data, its secrets replaced by the fixture's made-up ones (comments and key order are not compared: unit tests pin line numbers of the fixture). */
function homeserverData(text: string, secretsFrom: Yaml): Yaml {
  const hs = parse(text) as Yaml;
  hs.database.args.password = secretsFrom.database.args.password;
  hs.redis.password = secretsFrom.redis.password;
  for (const key of ["registration_shared_secret", "macaroon_secret_key", "form_secret"]) hs[key] = secretsFrom[key];
  return hs;
}

function render(mode: "workers" | "single"): Record<string, string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), `lab-render-${mode}-`));
  try {
    execFileSync("bash", ["lab/lab.sh", "render", mode, dir], { stdio: "pipe" });
    const files: Record<string, string> = {};
    for (const rel of [HS, TARGETS, "log.config", ...(mode === "workers" ? [...WORKER_FILES, MEDIA_LOG_CONFIG] : [])]) files[rel] = readFileSync(path.join(dir, rel), "utf8");
    if (mode === "single") expect(existsSync(path.join(dir, MEDIA_LOG_CONFIG)), "single mode writes no media log config").toBe(false);
    return files;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function expectFilesMatch(real: Record<string, string>, fixture: DeploymentSnapshot, mode: "workers" | "single") {
  const fake = parse(fixture.files[HS]) as Yaml;
  const hs = homeserverData(real[HS], fake);
  if (mode === "single") {
    expect(hs[pinned.singleMediaRepo]).toBe(true);
    delete hs[pinned.singleMediaRepo];
  }
  expect(hs).toEqual(fake);
  expect(real[TARGETS]).toBe(fixture.files[TARGETS]);
  expect(real["log.config"]).toBe(labLogConfig);
  const workerFiles = Object.keys(fixture.files).filter((f) => f.startsWith("workers/")).sort();
  expect(workerFiles).toEqual(mode === "workers" ? WORKER_FILES : []);
  for (const f of workerFiles) {
    const data = parse(real[f]) as Record<string, unknown>;
    if (f === pinned.mediaLogConfig.file) {
      expect(data.worker_log_config).toBe(pinned.mediaLogConfig.lab);
      data.worker_log_config = pinned.mediaLogConfig.fixture;
    }
    expect(data, f).toEqual(parse(fixture.files[f]));
  }
  if (mode === "workers") expect(real[MEDIA_LOG_CONFIG]).toBe(labMediaLogConfig);
}

/** A spec with what varies by machine or run replaced by the fixture's values. */
function normalisedSpec(spec: ContainerSpec & { id?: string; managedByFleet?: boolean }, labDir: string): ContainerSpec {
  const { id: _id, managedByFleet: _m, engine: _engine, ...typed } = spec;
  const here = (s: string) => s.split(labDir).join(FIXTURE_LAB_DIR);
  const recipe = typed.labels["io.synapse-fleet.lab.recipe"];
  const labels = Object.fromEntries(Object.entries(typed.labels).map(([k, v]) => [k, here(v)]));
  if (labels["com.docker.compose.config-hash"]) labels["com.docker.compose.config-hash"] = `fixture-config-hash-of-${labels["com.docker.compose.service"]}`;
  labels["io.synapse-fleet.lab.recipe"] = "661460f4efe2";
  const env = Object.fromEntries(Object.entries(typed.env).filter(([k]) => !pinned.envSecrets.includes(k)));
  return {
    ...typed,
    image: typed.image.replace(`:${recipe}`, ":661460f4efe2"),
    env,
    binds: typed.binds.map(here).sort(), // compose 1.29 hands the engine its binds in no fixed order: a recreated main swaps them
    labels,
    ports: typed.ports.map((p) => ({ ...p, hostIp: p.hostIp === "" ? pinned.hostIp : p.hostIp })),
  };
}

let configDir: string;
let labDir: string;

beforeAll(async () => {
  ({ configDir } = requireLab());
  labDir = path.resolve(configDir, "..", "..");
  await labSynapseHealthy();
}, 300_000);

describe("the planner's lab fixture is the lab", () => {
  it("workers mode: the running lab's config files and lab.sh's rendering equal the fixture's (secrets aside)", () => {
    const live = Object.fromEntries([HS, TARGETS, "log.config", MEDIA_LOG_CONFIG, ...WORKER_FILES].map((f) => [f, readFileSync(path.join(configDir, f), "utf8")]));
    expectFilesMatch(live, labSnapshot(), "workers");
    expectFilesMatch(render("workers"), labSnapshot(), "workers");
  });

  it("single mode: lab.sh's rendering equals the fixture's (secrets aside, one pinned key)", () => {
    expectFilesMatch(render("single"), singleSnapshot(), "single");
  });

  it("the processes and container specs discovery records are the fixture's", async () => {
    const real = await captureSnapshot();
    const fixture = labSnapshot();
    const shape = (s: DeploymentSnapshot) => s.processes.map((p) => ({ name: p.name, type: p.type, state: p.state, configFile: p.configFile })).sort((a, b) => a.name.localeCompare(b.name));
    expect(shape(real)).toEqual(shape(fixture));
    for (const p of fixture.processes) {
      const r = real.processes.find((x) => x.name === p.name)!;
      expect(r.container?.managedByFleet, p.name).toBe(false);
      expect(normalisedSpec(r.container!, labDir), p.name).toEqual(normalisedSpec(p.container!, FIXTURE_LAB_DIR));
      // The secret env the fixture leaves out (pinned) is there on the real container.
      for (const k of pinned.envSecrets) expect(Object.keys(r.container!.env), `${p.name} env`).toContain(k);
    }
    expect([...real.usedHostPorts].sort()).toEqual([...fixture.usedHostPorts].sort());
    expect(Object.keys(real.files).sort()).toEqual([...Object.keys(fixture.files), pinned.logConfigInSnapshot, pinned.mediaLogConfig.inSnapshot, pinned.loadBalancer.file].sort());
    expect(fixture.loadBalancer).toBeUndefined();
    expect(real.loadBalancer).toMatchObject({ kind: "nginx", name: pinned.loadBalancer.name, state: "running", configFile: pinned.loadBalancer.file, check: { ok: true } });
  });
});
