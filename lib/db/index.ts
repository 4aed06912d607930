import "server-only";
import { mkdirSync } from "node:fs";
import path from "node:path";
import { createPrismaClient, type Db } from "./client";
import { applyMigrations } from "./migrate";
import { resolveDbTarget, type DbTarget } from "./target";

// The only entry point to the database. Nothing outside lib/db imports the Prisma client.
export type { Db } from "./client";
export type { DbTarget } from "./target";
export type { ApiToken, LoginThrottle, Operation as OperationRow, OperationStep as OperationStepRow, Session, User } from "./generated/sqlite/client";
export { Prisma } from "./generated/sqlite/client";
export { applyMigrations, loadMigrations } from "./migrate";
export { resolveDbTarget } from "./target";

interface OpenDb {
  target: DbTarget;
  ready: Promise<Db>;
}

// Kept on globalThis so Next's dev-mode module reloads reuse one connection pool.
const holder = globalThis as typeof globalThis & { __fleetDb?: OpenDb };

/**
 * The app's database client: opened on first use from the environment (DATABASE_URL /
 * FLEET_DATA_DIR), with pending migrations applied once before it is handed out.
 */
export function getDb(): Promise<Db> {
  if (!holder.__fleetDb) {
    const target = resolveDbTarget();
    const ready = openDb(target);
    holder.__fleetDb = { target, ready };
    // A failed start must not be cached: the next call tries again (e.g. once PostgreSQL is up).
    ready.catch(() => {
      if (holder.__fleetDb?.ready === ready) holder.__fleetDb = undefined;
    });
  }
  return holder.__fleetDb.ready;
}

/** Applies migrations to the target, then opens a client on it. */
export async function openDb(target: DbTarget): Promise<Db> {
  if (target.dialect === "sqlite") mkdirSync(path.dirname(target.file), { recursive: true });
  await applyMigrations(target);
  return createPrismaClient(target);
}

/** Disconnects the shared client; the next getDb() opens it again (tests, CLI exit). */
export async function closeDb(): Promise<void> {
  const open = holder.__fleetDb;
  holder.__fleetDb = undefined;
  if (open) await (await open.ready.catch(() => null))?.$disconnect();
}
