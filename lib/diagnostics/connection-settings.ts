import { parse } from "yaml";

/**
 * homeserver.yaml's `redis` and `database` sections, as the processes use them to connect. Pure.
 * The passwords are here only to connect as Synapse does; nothing built from them is shown.
 */

export interface RedisSettings {
  enabled: boolean;
  host: string;
  port: number;
  password: string | null;
  /** redis.password_path: a path inside the containers, which the dashboard does not read. */
  passwordPath: string | null;
}

export interface DatabaseSettings {
  /** psycopg2 (PostgreSQL) or sqlite3. */
  engine: string;
  user: string | null;
  password: string | null;
  database: string | null;
  host: string;
  port: number;
  /** Twisted's ConnectionPool default when unset: 5. */
  cpMax: number;
  cpMaxSet: boolean;
}

export interface ConnectionSettings {
  redis: RedisSettings;
  database: DatabaseSettings;
}

/** Twisted's adbapi.ConnectionPool(cp_max=5) when database.args.cp_max is absent. */
export const TWISTED_CP_MAX = 5;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | null => (typeof v === "string" && v.length > 0 ? v : typeof v === "number" ? String(v) : null);
const port = (v: unknown, fallback: number): number => {
  const n = Number(v);
  return Number.isInteger(n) && n > 0 && n < 65536 ? n : fallback;
};

/** Throws the YAML parser's error for a file that does not parse; the caller reports it. */
export function connectionSettings(homeserverYaml: string): ConnectionSettings {
  const doc = parse(homeserverYaml, { uniqueKeys: false }) as unknown;
  const c = isObj(doc) ? doc : {};
  const r = isObj(c.redis) ? c.redis : {};
  const db = isObj(c.database) ? c.database : {};
  const args = isObj(db.args) ? db.args : {};
  const cpMax = Number(args.cp_max);
  return {
    redis: {
      enabled: r.enabled === true,
      host: text(r.host) ?? "localhost",
      port: port(r.port, 6379),
      password: text(r.password),
      passwordPath: text(r.password_path),
    },
    database: {
      engine: text(db.name) ?? "sqlite3",
      user: text(args.user),
      password: text(args.password),
      database: text(args.database) ?? text(args.dbname),
      host: text(args.host) ?? "localhost",
      port: port(args.port, 5432),
      cpMax: Number.isInteger(cpMax) && cpMax > 0 ? cpMax : TWISTED_CP_MAX,
      cpMaxSet: Number.isInteger(cpMax) && cpMax > 0,
    },
  };
}
