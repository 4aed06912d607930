// Two dashboard processes on one deployment and one database start an operation at the same
// moment: exactly one applies, the other is refused with a conflict naming it, and the history
// holds one operation. Run for the embedded SQLite and for PostgreSQL (FLEET_TEST_DATABASE_URL).
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { eventually, requireLab } from "./lab-env";
import { captureSnapshot } from "@/lib/operations/snapshot";

type Report = { ready?: true; started?: string; refused?: string; message?: string; finished?: string; error?: string | null; crashed?: string };

function dashboard(env: NodeJS.ProcessEnv, barrier: string, actor: string): { ready: Promise<void>; done: Promise<Report[]> } {
  const child = spawn("node_modules/.bin/tsx", ["--conditions=react-server", "tests/fixtures/start-operation.ts", barrier, actor], { env, stdio: ["ignore", "pipe", "pipe"] });
  const reports: Report[] = [];
  let out = "";
  let err = "";
  let readyFn: () => void = () => undefined;
  const ready = new Promise<void>((r) => (readyFn = r));
  child.stdout.on("data", (b: Buffer) => {
    out += b.toString();
    for (;;) {
      const i = out.indexOf("\n");
      if (i < 0) break;
      const line = out.slice(0, i);
      out = out.slice(i + 1);
      if (!line.startsWith("{")) continue;
      const r = JSON.parse(line) as Report;
      reports.push(r);
      if (r.ready) readyFn();
    }
  });
  child.stderr.on("data", (b: Buffer) => void (err += b.toString()));
  const done = new Promise<Report[]>((resolve, reject) =>
    child.on("exit", () => (reports.some((r) => r.crashed) ? reject(new Error(`${actor} crashed: ${reports.find((r) => r.crashed)!.crashed}\n${err}`)) : resolve(reports))),
  );
  return { ready, done };
}

async function race(env: NodeJS.ProcessEnv): Promise<Report[][]> {
  const barrier = path.join(os.tmpdir(), `fleet-two-dashboards-${process.pid}-${Date.now()}`);
  const a = dashboard(env, barrier, "dashboard-a");
  const b = dashboard(env, barrier, "dashboard-b");
  try {
    await Promise.all([a.ready, b.ready]);
    fs.writeFileSync(barrier, "go");
    return await Promise.all([a.done, b.done]);
  } finally {
    fs.rmSync(barrier, { force: true });
  }
}

function expectOneWinner(results: Report[][]): void {
  const started = results.filter((r) => r.some((x) => x.started));
  const refused = results.filter((r) => r.some((x) => x.refused));
  expect(started, JSON.stringify(results)).toHaveLength(1);
  expect(refused, JSON.stringify(results)).toHaveLength(1);
  const refusal = refused[0].find((x) => x.refused)!;
  expect(refusal.refused).toBe("OperationConflictError");
  expect(refusal.message).toMatch(/wait for it to finish/);
  expect(started[0].find((x) => x.finished)?.finished).toBe("succeeded");
}

const labRunning = () => eventually(async () => (await captureSnapshot()).processes.filter((p) => p.state === "running").length >= 4, 120_000, "the lab running");

let base: NodeJS.ProcessEnv;
beforeAll(async () => {
  const { configDir } = requireLab();
  base = { ...process.env, SYNAPSE_CONFIG_DIR: configDir };
  await labRunning();
});

describe("two dashboards on one deployment", () => {
  it("with the embedded SQLite: exactly one operation applies, the other gets a conflict", async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-two-sqlite-"));
    try {
      const env: NodeJS.ProcessEnv = { ...base, FLEET_DATA_DIR: dataDir };
      delete env.DATABASE_URL;
      expectOneWinner(await race(env));
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
    await labRunning();
  }, 240_000);

  it("with PostgreSQL: the same", async () => {
    const url = process.env.FLEET_TEST_DATABASE_URL;
    if (!url) throw new Error("FLEET_TEST_DATABASE_URL is not set: this test needs the lab's PostgreSQL (eval \"$(bash lab/lab.sh env)\")");
    const schema = `fleet_two_${process.pid}_${Date.now().toString(36)}`;
    const u = new URL(url);
    u.searchParams.set("schema", schema);
    try {
      expectOneWinner(await race({ ...base, DATABASE_URL: u.toString() }));
    } finally {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
      await c.end();
    }
    await labRunning();
  }, 240_000);
});

afterAll(async () => {
  await labRunning();
});
