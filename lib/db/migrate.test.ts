import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createClient } from "@libsql/client";
import { afterAll, describe, expect, it } from "vitest";
import { applyMigrations, loadMigrations, type Migration } from "./migrate";
import { resolveDbTarget, type DbTarget } from "./target";
import { openDb } from "./index";

const dirs: string[] = [];
function tempTarget(): Extract<DbTarget, { dialect: "sqlite" }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-migrate-"));
  dirs.push(dir);
  return resolveDbTarget({ FLEET_DATA_DIR: path.join(dir, "data") }) as Extract<DbTarget, { dialect: "sqlite" }>;
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

async function tables(url: string): Promise<string[]> {
  const c = createClient({ url });
  try {
    const rs = await c.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
    return rs.rows.map((r) => String(r.name));
  } finally {
    c.close();
  }
}

describe("resolveDbTarget", () => {
  it("defaults to ./data/fleet.db, or FLEET_DATA_DIR/fleet.db", () => {
    expect(resolveDbTarget({})).toMatchObject({ dialect: "sqlite", file: path.resolve("data/fleet.db") });
    expect(resolveDbTarget({ FLEET_DATA_DIR: "/var/lib/fleet" })).toEqual({ dialect: "sqlite", file: "/var/lib/fleet/fleet.db", url: "file:/var/lib/fleet/fleet.db" });
  });

  it("reads file: and postgres URLs from DATABASE_URL", () => {
    expect(resolveDbTarget({ DATABASE_URL: "file:./x/y.db" })).toMatchObject({ dialect: "sqlite", file: path.resolve("x/y.db") });
    expect(resolveDbTarget({ DATABASE_URL: "file:///srv/f.db" })).toMatchObject({ file: "/srv/f.db" });
    expect(resolveDbTarget({ DATABASE_URL: "postgres://u:p@db:5432/fleet?schema=fleet_test&sslmode=disable" })).toEqual({
      dialect: "postgres",
      connectionString: "postgres://u:p@db:5432/fleet?sslmode=disable",
      schema: "fleet_test",
    });
    expect(resolveDbTarget({ DATABASE_URL: "postgresql://db/fleet" })).toMatchObject({ dialect: "postgres", schema: "public" });
  });

  it("refuses other URLs and odd schema names", () => {
    expect(() => resolveDbTarget({ DATABASE_URL: "mysql://db/fleet" })).toThrow(/DATABASE_URL/);
    expect(() => resolveDbTarget({ DATABASE_URL: "postgres://db/fleet?schema=a;drop" })).toThrow(/identifier/);
  });
});

describe("applyMigrations on SQLite", () => {
  it("creates the directory and all tables on first open, and records what it applied", async () => {
    const target = tempTarget();
    const db = await openDb(target);
    await db.$disconnect();
    expect(await tables(target.url)).toEqual(["ApiToken", "AuditEvent", "LoginThrottle", "Operation", "OperationLease", "OperationStep", "Session", "User", "_fleet_migrations"]);
  });

  it("is idempotent", async () => {
    const target = tempTarget();
    mkdirSync(path.dirname(target.file), { recursive: true });
    expect(await applyMigrations(target)).toEqual(loadMigrations("sqlite").map((m) => m.name));
    expect(await applyMigrations(target)).toEqual([]);
  });

  it("lets concurrent starts in separate processes race safely: exactly one applies", async () => {
    // Separate processes, as in real life: libsql waits for a lock synchronously, so
    // in-process "concurrency" would just block its own event loop.
    const target = tempTarget();
    mkdirSync(path.dirname(target.file), { recursive: true });
    const script = path.join(path.dirname(target.file), "migrate-once.mts");
    writeFileSync(
      script,
      `import { applyMigrations } from ${JSON.stringify(path.resolve(import.meta.dirname, "migrate.ts"))};\n` +
        `console.log(JSON.stringify(await applyMigrations(${JSON.stringify(target)})));\n`,
    );
    const tsx = path.resolve(import.meta.dirname, "../../node_modules/.bin/tsx");
    const run = () =>
      new Promise<string[]>((resolve, reject) =>
        execFile(tsx, ["--conditions=react-server", script], { cwd: path.resolve(import.meta.dirname, "../..") }, (err, stdout, stderr) =>
          err ? reject(new Error(stderr || String(err))) : resolve(JSON.parse(stdout) as string[]),
        ),
      );
    const results = await Promise.all([run(), run(), run()]);
    expect(results.flat()).toEqual(loadMigrations("sqlite").map((m) => m.name));
    expect(await applyMigrations(target)).toEqual([]);
  });

  it("applies later additive migrations and refuses edited ones", async () => {
    const target = tempTarget();
    mkdirSync(path.dirname(target.file), { recursive: true });
    const base = loadMigrations("sqlite");
    await applyMigrations(target, base);
    const extra: Migration = { name: "9999_add_note", sql: 'CREATE TABLE "Note" ("id" TEXT NOT NULL PRIMARY KEY);', checksum: "x" };
    expect(await applyMigrations(target, [...base, extra])).toEqual(["9999_add_note"]);
    await expect(applyMigrations(target, [...base, { ...extra, checksum: "y" }])).rejects.toThrow(/changed after it was applied/);
  });

  it("rolls back a failing migration completely", async () => {
    const target = tempTarget();
    mkdirSync(path.dirname(target.file), { recursive: true });
    const bad: Migration = { name: "0001_bad", sql: 'CREATE TABLE "A" ("id" TEXT);\nTHIS IS NOT SQL;', checksum: "z" };
    await expect(applyMigrations(target, [bad])).rejects.toThrow();
    expect(await tables(target.url)).toEqual([]);
  });

  it("reads migrations from a directory in name order", () => {
    const root = mkdtempSync(path.join(os.tmpdir(), "fleet-migdir-"));
    dirs.push(root);
    for (const name of ["0002_b", "0001_a"]) {
      mkdirSync(path.join(root, "sqlite", name), { recursive: true });
      writeFileSync(path.join(root, "sqlite", name, "migration.sql"), `-- ${name}`);
    }
    expect(loadMigrations("sqlite", root).map((m) => m.name)).toEqual(["0001_a", "0002_b"]);
  });
});
