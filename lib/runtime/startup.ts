import "server-only";
import { ensureAdmin } from "@/lib/auth";
import { resolveDbTarget } from "@/lib/db";
import { safeErrorText } from "@/lib/log";
import { checkConfigMount } from "./config-mount";
import { checkEngineSocket } from "./engine-socket";
import type { StartupFinding } from "./finding";

export { formatFinding, type StartupFinding } from "./finding";

/**
 * The database is migrated and someone can sign in as admin (FLEET_ADMIN_PASSWORD, or a generated
 * password shown once) before the server takes requests: what `npm run fleet -- admin ensure`
 * does for the demo, for an image that carries no CLI. A database that cannot be opened is
 * reported, not fatal: the server starts and answers 503 database_unreachable until it can.
 */
export async function prepareDatabase(): Promise<StartupFinding> {
  let where: string;
  try {
    const target = resolveDbTarget();
    where = target.dialect === "sqlite" ? `SQLite ${target.file}` : `PostgreSQL (schema ${target.schema})`;
  } catch (err) {
    return { check: "database", status: "problem", message: (err as Error).message, fix: "set DATABASE_URL to postgres://… or file:…, or leave it unset for SQLite in FLEET_DATA_DIR" };
  }
  try {
    const result = await ensureAdmin();
    const admin =
      result.action === "created" && result.generatedPassword
        ? `user admin created with the generated password ${result.generatedPassword} (shown once; set FLEET_ADMIN_PASSWORD to choose it)`
        : `user admin ${result.action}`;
    return { check: "database", status: "ok", message: `${where} migrated; ${admin}` };
  } catch (err) {
    return { check: "database", status: "problem", message: `${where}: ${safeErrorText(err).split("\n")[0]}`, fix: "check DATABASE_URL / the /data volume (writable by the container's user)" };
  }
}

/** Every start-up check, in the order an operator fixes them: the engine, the config dir, the database. */
export async function runStartupChecks(): Promise<StartupFinding[]> {
  const engine = await checkEngineSocket();
  const config = await checkConfigMount();
  const database = await prepareDatabase();
  return [engine, config, database];
}
