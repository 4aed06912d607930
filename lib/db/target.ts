import "server-only";
import path from "node:path";

/** Where the database lives: an embedded SQLite file (default) or a PostgreSQL schema. */
export type DbTarget =
  | { dialect: "sqlite"; url: string; file: string }
  | { dialect: "postgres"; connectionString: string; schema: string };

const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]{0,62}$/;

/**
 * Reads the target from the environment: DATABASE_URL `postgres(ql)://…[?schema=name]` or
 * `file:path`, else SQLite at `${FLEET_DATA_DIR:-./data}/fleet.db`.
 */
export function resolveDbTarget(env: Record<string, string | undefined> = process.env): DbTarget {
  const url = env.DATABASE_URL?.trim();
  if (url && /^postgres(ql)?:\/\//i.test(url)) return postgresTarget(url);
  if (url && url.startsWith("file:")) return sqliteTarget(fileUrlPath(url));
  if (url) throw new Error("DATABASE_URL must start with postgres://, postgresql:// or file:");
  return sqliteTarget(path.join(env.FLEET_DATA_DIR || "./data", "fleet.db"));
}

function sqliteTarget(file: string): DbTarget {
  const abs = path.resolve(file);
  return { dialect: "sqlite", url: `file:${abs}`, file: abs };
}

function fileUrlPath(url: string): string {
  // file:relative/x.db, file:/abs/x.db and file:///abs/x.db are all accepted.
  const rest = url.slice("file:".length);
  return rest.startsWith("//") ? decodeURIComponent(new URL(url).pathname) : rest;
}

function postgresTarget(url: string): DbTarget {
  const parsed = new URL(url);
  // `schema` is Prisma's convention; pg does not understand it, so it is taken out here.
  const schema = parsed.searchParams.get("schema") ?? "public";
  parsed.searchParams.delete("schema");
  if (!IDENTIFIER.test(schema)) throw new Error(`DATABASE_URL schema "${schema}" is not a plain identifier`);
  return { dialect: "postgres", connectionString: parsed.toString(), schema };
}

/** Double-quotes a PostgreSQL identifier. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}
