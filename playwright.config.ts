import { defineConfig } from "@playwright/test";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import os from "node:os";
import path from "node:path";

// FLEET_E2E_TARGET=container: the suite runs against the lab's dashboard container (`lab.sh up workers
// --with-dashboard`) instead of a server it starts on the host: its URL and admin password come from
// `lab.sh env`, read here so a stale environment cannot point the run elsewhere.
const target = process.env.FLEET_E2E_TARGET ?? "host";
if (target !== "host" && target !== "container" && target !== "swarm") throw new Error(`FLEET_E2E_TARGET must be host, container or swarm, not ${JSON.stringify(target)}`);
const onContainer = target === "container";
const onSwarm = target === "swarm";
/** `KEY=value` lines (what lab.sh env and swarm.sh env print) as a map. */
const envLines = (script: string) =>
  new Map(
    execFileSync("bash", [path.join(import.meta.dirname, ...script.split("/")), "env"], { encoding: "utf8" })
      .split("\n")
      .filter((line) => line.includes("="))
      .map((line) => [line.slice(0, line.indexOf("=")), line.slice(line.indexOf("=") + 1)] as const),
  );
let containerURL = "";
if (onContainer) {
  if (process.env.FLEET_E2E_DB) throw new Error("FLEET_E2E_TARGET=container runs the lab's dashboard container, whose database is its own: FLEET_E2E_DB does not apply");
  const env = envLines("lab/lab.sh");
  const url = env.get("FLEET_LAB_DASHBOARD_URL");
  const password = env.get("FLEET_LAB_DASHBOARD_PASSWORD");
  if (!url || !password) throw new Error("FLEET_E2E_TARGET=container: the lab has no dashboard; run `bash lab/lab.sh up workers --with-dashboard` first");
  containerURL = url;
  process.env.FLEET_E2E_PASSWORD = password;
}

// FLEET_E2E_TARGET=swarm: e2e/swarm.flow.ts (issue #15 §9) against a dashboard this config starts
// on the swarm lab (lab/swarm, `bash lab/lab.sh up swarm`): the manager's engine, the swarm's config
// dir, Prometheus and node engines, read from `swarm.sh env` here so that the compose lab's
// environment npm test exports cannot point the run at the other lab. The workers (the specs, their
// docker CLI calls) and the server inherit them; its database is SQLite in a data dir of its own.
if (onSwarm) {
  if (process.env.FLEET_E2E_DB) throw new Error("FLEET_E2E_TARGET=swarm runs on SQLite in its own data dir: FLEET_E2E_DB does not apply");
  const env = envLines("lab/swarm/swarm.sh");
  const need = (key: string) => {
    const v = env.get(key);
    if (!v) throw new Error(`FLEET_E2E_TARGET=swarm: swarm.sh env has no ${key}; bring the swarm lab up with \`bash lab/lab.sh up swarm\``);
    return v;
  };
  for (const [key, value] of env) if (key.startsWith("FLEET_LAB_SWARM_")) process.env[key] = value;
  process.env.DOCKER_HOST = need("FLEET_LAB_SWARM_MANAGER");
  process.env.SYNAPSE_CONFIG_DIR = need("FLEET_LAB_SWARM_CONFIG_DIR");
  process.env.FLEET_PROMETHEUS_URL = need("FLEET_LAB_SWARM_PROMETHEUS_URL");
  process.env.FLEET_SWARM_NODE_ENGINES = need("FLEET_SWARM_NODE_ENGINES");
  delete process.env.DATABASE_URL;
  delete process.env.FLEET_RUNTIME;
  process.env.FLEET_E2E_DATA_DIR ??= path.join(os.tmpdir(), `fleet-e2e-swarm-${process.pid}`);
}

// Set once in the main process; the workers inherit the same values through the environment.
process.env.FLEET_E2E_PASSWORD ??= crypto.randomBytes(18).toString("base64url");
process.env.FLEET_E2E_DATA_DIR ??= path.join(os.tmpdir(), `fleet-e2e-${process.pid}`);
// The swarm run has a port of its own, so it may run while a host run's server is up.
const port = Number(process.env.FLEET_E2E_PORT ?? (onSwarm ? 3150 : 3100));

// FLEET_E2E_DB=postgres: the access and lifecycle specs against a dashboard on PostgreSQL, in
// FLEET_E2E_DATABASE_URL (a fresh schema: npm test makes one per run and drops it after). The
// server and every CLI call a spec makes inherit DATABASE_URL from here.
const onPostgres = process.env.FLEET_E2E_DB === "postgres";
if (onPostgres) {
  const url = process.env.FLEET_E2E_DATABASE_URL;
  if (!url || !/^postgres(ql)?:\/\/.+[?&]schema=fleet_e2e_\w+/.test(url)) {
    throw new Error("FLEET_E2E_DB=postgres needs FLEET_E2E_DATABASE_URL=postgres://…?schema=fleet_e2e_<name>, a schema of its own that the run may fill (npm test makes one)");
  }
  process.env.DATABASE_URL = url;
}

const projects = [
  { name: "setup", testMatch: /auth\.setup\.ts/ },
  { name: "api", testMatch: /.*\.api\.ts/ },
  { name: "chromium", testMatch: /.*\.spec\.ts/, dependencies: ["setup"], use: { storageState: "e2e/.auth/admin.json" } },
  // Changes the lab (single process → workers → single → workers): runs after everything else.
  {
    name: "lifecycle",
    testMatch: /.*\.flow\.ts/,
    testIgnore: /(^|\/)swarm\.flow\.ts$/, // the swarm lab's story: FLEET_E2E_TARGET=swarm
    dependencies: ["chromium", "api"],
    use: { storageState: "e2e/.auth/admin.json" },
  },
];
// Against the container: the specs the issue asks (topology, logs, lifecycle); the others stay on the
// host target, some of them read the host server's data dir or run the CLI on its database.
const containerProjects = [
  { name: "setup", testMatch: /auth\.setup\.ts/ },
  { name: "chromium", testMatch: /(^|\/)(topology|logs)\.spec\.ts$/, dependencies: ["setup"], use: { storageState: "e2e/.auth/admin.json" } },
  { name: "lifecycle", testMatch: /(^|\/)lifecycle\.flow\.ts$/, dependencies: ["chromium"], use: { storageState: "e2e/.auth/admin.json" } },
];
// On the swarm lab: its one story, after signing in.
const swarmProjects = [
  { name: "setup", testMatch: /auth\.setup\.ts/ },
  { name: "swarm", testMatch: /(^|\/)swarm\.flow\.ts$/, dependencies: ["setup"], use: { storageState: "e2e/.auth/admin.json" } },
];
const postgresProjects = [
  { name: "setup", testMatch: /auth\.setup\.ts/ },
  { name: "api", testMatch: /access\.api\.ts/ },
  { name: "lifecycle", testMatch: /lifecycle\.flow\.ts/, dependencies: ["setup", "api"], use: { storageState: "e2e/.auth/admin.json" } },
];

export default defineConfig({
  testDir: "e2e",
  fullyParallel: false,
  workers: 1, // the tests share one real lab and stop/start its containers
  forbidOnly: true,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 10_000 },
  globalSetup: onSwarm ? "./e2e/swarm-guard.ts" : "./e2e/guard.ts",
  use: {
    baseURL: onContainer ? containerURL : `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  projects: onContainer ? containerProjects : onSwarm ? swarmProjects : onPostgres ? postgresProjects : projects,
  webServer: onContainer ? undefined : {
    command: `bash scripts/e2e-server.sh ${port}`,
    url: `http://localhost:${port}/api/health`,
    reuseExistingServer: false,
    timeout: 120_000,
    stdout: "pipe",
    env: {
      FLEET_DATA_DIR: process.env.FLEET_E2E_DATA_DIR,
      FLEET_ADMIN_PASSWORD: process.env.FLEET_E2E_PASSWORD,
    },
  },
});
