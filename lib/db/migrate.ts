import "server-only";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { createClient } from "@libsql/client";
import pg from "pg";
import { quoteIdent, type DbTarget } from "./target";

// The app applies the committed SQL itself instead of `prisma migrate deploy`: the same
// path for both dialects, no CLI at run time, and it sidesteps adapter-pg's deploy bug
// (prisma/orm#27403). Applied migrations are recorded in this table.
const TABLE = "_fleet_migrations";

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

/** The committed migrations of a dialect, in the order they must run. */
export function loadMigrations(dialect: DbTarget["dialect"], root = defaultMigrationsRoot()): Migration[] {
  // Read at run time from the checkout, not bundled: hence the turbopackIgnore hints, which
  // keep Next's file tracing from pulling in the whole project.
  const dir = path.join(/*turbopackIgnore: true*/ root, dialect);
  if (!existsSync(/*turbopackIgnore: true*/ dir)) throw new Error(`No migrations directory at ${dir}`);
  return readdirSync(/*turbopackIgnore: true*/ dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(/*turbopackIgnore: true*/ path.join(dir, e.name, "migration.sql")))
    .map((e) => e.name)
    .sort()
    .map((name) => {
      const sql = readFileSync(/*turbopackIgnore: true*/ path.join(dir, name, "migration.sql"), "utf8");
      return { name, sql, checksum: createHash("sha256").update(sql).digest("hex") };
    });
}

/** prisma/migrations under the working directory (the app and the CLI run from the project root). */
function defaultMigrationsRoot(): string {
  return path.join(/*turbopackIgnore: true*/ process.cwd(), "prisma", "migrations");
}

/**
 * Brings the database up to date and returns the names applied now. Idempotent; concurrent
 * starts serialize on a lock (BEGIN IMMEDIATE / an advisory lock), and all pending migrations
 * run in one transaction, so a failure leaves the database as it was.
 */
export async function applyMigrations(target: DbTarget, migrations = loadMigrations(target.dialect)): Promise<string[]> {
  return target.dialect === "sqlite" ? applySqlite(target.url, migrations) : applyPostgres(target, migrations);
}

function pendingAfter(applied: Map<string, string>, migrations: Migration[]): Migration[] {
  for (const m of migrations) {
    const sum = applied.get(m.name);
    if (sum !== undefined && sum !== m.checksum) {
      throw new Error(`Migration ${m.name} was changed after it was applied; write a new migration instead`);
    }
  }
  // Rows for migrations this build does not know come from a newer build; migrations are
  // additive, so an older build can still run against that schema.
  return migrations.filter((m) => !applied.has(m.name));
}

async function applySqlite(url: string, migrations: Migration[]): Promise<string[]> {
  const client = createClient({ url });
  try {
    await client.execute("PRAGMA busy_timeout = 10000");
    await client.execute("PRAGMA journal_mode = WAL");
    // Table rebuilds in Prisma's SQLite migrations DROP the old table; with foreign keys on,
    // that would cascade into child rows. Checked explicitly below instead.
    await client.execute("PRAGMA foreign_keys = OFF");
    const tx = await client.transaction("write"); // BEGIN IMMEDIATE: one migrator at a time
    try {
      await tx.execute(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TEXT NOT NULL)`,
      );
      const rows = (await tx.execute(`SELECT name, checksum FROM ${TABLE}`)).rows;
      const pending = pendingAfter(new Map(rows.map((r) => [String(r.name), String(r.checksum)])), migrations);
      for (const m of pending) {
        await tx.executeMultiple(m.sql);
        await tx.execute({
          sql: `INSERT INTO ${TABLE} (name, checksum, applied_at) VALUES (?, ?, ?)`,
          args: [m.name, m.checksum, new Date().toISOString()],
        });
      }
      const violations = (await tx.execute("PRAGMA foreign_key_check")).rows;
      if (violations.length > 0) throw new Error(`Migrations left ${violations.length} foreign-key violations`);
      await tx.commit();
      return pending.map((m) => m.name);
    } catch (err) {
      if (!tx.closed) await tx.rollback();
      throw err;
    } finally {
      tx.close();
    }
  } finally {
    client.close();
  }
}

async function applyPostgres(target: Extract<DbTarget, { dialect: "postgres" }>, migrations: Migration[]): Promise<string[]> {
  const client = new pg.Client({ connectionString: target.connectionString });
  await client.connect();
  try {
    await client.query("BEGIN");
    try {
      // Serialize concurrent starts per schema; released at COMMIT/ROLLBACK.
      await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`fleet-migrations:${target.schema}`]);
      const exists = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [target.schema]);
      if (exists.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdent(target.schema)}`);
      await client.query(`SET LOCAL search_path TO ${quoteIdent(target.schema)}`);
      await client.query(
        `CREATE TABLE IF NOT EXISTS ${TABLE} (name TEXT PRIMARY KEY, checksum TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())`,
      );
      const { rows } = await client.query<{ name: string; checksum: string }>(`SELECT name, checksum FROM ${TABLE}`);
      const pending = pendingAfter(new Map(rows.map((r) => [r.name, r.checksum])), migrations);
      for (const m of pending) {
        await client.query(m.sql); // simple query protocol: several statements in one call
        await client.query(`INSERT INTO ${TABLE} (name, checksum) VALUES ($1, $2)`, [m.name, m.checksum]);
      }
      await client.query("COMMIT");
      return pending.map((m) => m.name);
    } catch (err) {
      await client.query("ROLLBACK").catch(() => undefined); // the original error is what matters
      throw err;
    }
  } finally {
    await client.end();
  }
}
