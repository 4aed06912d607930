import { defineConfig } from "@playwright/test";
import crypto from "node:crypto";
import os from "node:os";
import path from "node:path";

// Set once in the main process; the workers inherit the same values through the environment.
process.env.FLEET_E2E_PASSWORD ??= crypto.randomBytes(18).toString("base64url");
process.env.FLEET_E2E_DATA_DIR ??= path.join(os.tmpdir(), `fleet-e2e-${process.pid}`);
const port = Number(process.env.FLEET_E2E_PORT ?? 3100);

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
    dependencies: ["chromium", "api"],
    use: { storageState: "e2e/.auth/admin.json" },
  },
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
  globalSetup: "./e2e/guard.ts",
  use: {
    baseURL: `http://localhost:${port}`,
    trace: "retain-on-failure",
    screenshot: "only-on-failure",
    launchOptions: {
      executablePath: "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
    },
  },
  projects: onPostgres ? postgresProjects : projects,
  webServer: {
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
