// Writes the next migration for both dialects from the change to prisma/schema.prisma.
//
//   DATABASE_URL=postgresql://… npx tsx prisma/tools/new-migration.ts add_operations
//
// Each migration is `prisma migrate diff --script` between the schema as of the last
// migration (prisma/migrations/migrated-schema.prisma, or empty for the first one) and the
// current schema, once per dialect. The PostgreSQL diff needs a reachable server only
// because the JS schema engine connects on start; nothing is written to it.
// The app applies these files itself at start-up (lib/db/migrate.ts). Migrations are
// append-only: never edit one that has been committed; write a new one.
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { derivePostgresSchema, POSTGRES_SCHEMA_PATH, SQLITE_SCHEMA_PATH } from "./derive-postgres-schema";

export const MIGRATIONS_DIR = path.join("prisma", "migrations");
export const MIGRATED_SCHEMA_PATH = path.join(MIGRATIONS_DIR, "migrated-schema.prisma");

type Dialect = "sqlite" | "postgres";

function diff(dialect: Dialect, from: string | null, to: string, env: NodeJS.ProcessEnv): string {
  const args = ["prisma", "migrate", "diff", ...(from ? ["--from-schema-datamodel", from] : ["--from-empty"])];
  args.push("--to-schema-datamodel", to, "--script");
  const out = execFileSync("npx", args, { env: { ...env, FLEET_PRISMA_DIALECT: dialect }, encoding: "utf8" });
  // The app creates (and selects) the target schema itself; a CREATE SCHEMA "public"
  // would need CREATE on the database, which a least-privilege role may not have.
  return out.replace(/^-- CreateSchema\nCREATE SCHEMA IF NOT EXISTS "public";\n\n/m, "");
}

function nextName(label: string): string {
  const dir = path.join(MIGRATIONS_DIR, "sqlite");
  const taken = existsSync(dir) ? readdirSync(dir).filter((n) => /^\d{4}_/.test(n)) : [];
  const next = taken.length === 0 ? 1 : Math.max(...taken.map((n) => Number(n.slice(0, 4)))) + 1;
  return `${String(next).padStart(4, "0")}_${label}`;
}

function main(): void {
  const label = process.argv[2];
  if (!label || !/^[a-z0-9_]+$/.test(label)) {
    console.error("usage: npx tsx prisma/tools/new-migration.ts <snake_case_label>");
    process.exit(2);
  }
  const pgUrl = process.env.DATABASE_URL ?? "";
  if (!/^postgres(ql)?:\/\//.test(pgUrl)) {
    console.error("DATABASE_URL must point at a reachable PostgreSQL (the JS schema engine connects to diff)");
    process.exit(2);
  }
  const tmp = mkdtempSync(path.join(os.tmpdir(), "fleet-migration-"));
  const env = process.env;

  let fromSqlite: string | null = null;
  let fromPostgres: string | null = null;
  if (existsSync(MIGRATED_SCHEMA_PATH)) {
    fromSqlite = MIGRATED_SCHEMA_PATH;
    fromPostgres = path.join(tmp, "migrated.postgres.prisma");
    writeFileSync(fromPostgres, derivePostgresSchema(readFileSync(MIGRATED_SCHEMA_PATH, "utf8")));
  }
  writeFileSync(POSTGRES_SCHEMA_PATH, derivePostgresSchema(readFileSync(SQLITE_SCHEMA_PATH, "utf8")));

  const sql = {
    sqlite: diff("sqlite", fromSqlite, SQLITE_SCHEMA_PATH, env),
    postgres: diff("postgres", fromPostgres, POSTGRES_SCHEMA_PATH, env),
  };
  if (!/\S/.test(sql.sqlite.replace(/^--.*$/gm, ""))) {
    console.error("prisma/schema.prisma has no changes since the last migration");
    process.exit(1);
  }
  const name = nextName(label);
  for (const dialect of ["sqlite", "postgres"] as const) {
    const dir = path.join(MIGRATIONS_DIR, dialect, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), sql[dialect]);
    const lock = path.join(MIGRATIONS_DIR, dialect, "migration_lock.toml");
    const provider = dialect === "sqlite" ? "sqlite" : "postgresql";
    if (!existsSync(lock)) writeFileSync(lock, `# Written by prisma/tools/new-migration.ts\nprovider = "${provider}"\n`);
    console.log(`wrote ${path.join(dir, "migration.sql")}`);
  }
  copyFileSync(SQLITE_SCHEMA_PATH, MIGRATED_SCHEMA_PATH);
}

main();
