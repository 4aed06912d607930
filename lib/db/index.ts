import "server-only";
import { chmodSync, closeSync, constants, lstatSync, mkdirSync, openSync, statSync } from "node:fs";
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
  if (target.dialect === "sqlite") prepareSqliteFile(target.file);
  await applyMigrations(target);
  if (target.dialect === "sqlite") restrictSqliteFiles(target.file);
  return createPrismaClient(target);
}

// The database holds password hashes, session and token hashes and config snapshots with
// their secrets: only the dashboard's own user may read it.
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const SQLITE_COMPANIONS = ["", "-wal", "-shm", "-journal"];

/**
 * Creates the data directory 0700 and an empty database file 0600 before SQLite first opens
 * it, so there is no moment in which a fresh file is world-readable (SQLite gives its -wal,
 * -shm and -journal files the database file's mode).
 */
function prepareSqliteFile(file: string): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  tighten(dir, DIR_MODE, "directory");
  // O_EXCL: only ever creates; an existing file (or a planted link) is left to tighten().
  try {
    closeSync(openSync(file, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY | constants.O_NOFOLLOW, FILE_MODE));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
  }
}

/** Brings the database file and its companions down to 0600 (migrations may have created them). */
function restrictSqliteFiles(file: string): void {
  for (const suffix of SQLITE_COMPANIONS) tighten(file + suffix, FILE_MODE, "file");
}

const STICKY = 0o1000;

/**
 * Removes group and other access from a path we own, when it has any. Left alone when it
 * belongs to someone else or is a shared sticky directory such as /tmp
 * (DATABASE_URL=file:/tmp/x.db must not lock everyone else out of /tmp). A directory is
 * followed through a symlink (the operator may link the data dir elsewhere); a file is not.
 */
function tighten(target: string, mode: number, kind: "file" | "directory"): void {
  let st;
  try {
    st = kind === "directory" ? statSync(target) : lstatSync(target);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return;
    throw err;
  }
  const ours = typeof process.getuid !== "function" || st.uid === process.getuid();
  if (st.isSymbolicLink() || !ours || (st.mode & STICKY) !== 0) return;
  if (kind === "file" && !st.isFile()) throw new Error(`Database path ${target} is not a regular file`);
  if ((st.mode & 0o077) !== 0) chmodSync(target, mode);
}

/** Disconnects the shared client; the next getDb() opens it again (tests, CLI exit). */
export async function closeDb(): Promise<void> {
  const open = holder.__fleetDb;
  holder.__fleetDb = undefined;
  if (open) await (await open.ready.catch(() => null))?.$disconnect();
}
