// Integration test against a REAL PostgreSQL (the lab's, via FLEET_TEST_DATABASE_URL).
// Each run works in its own freshly created schema and drops it afterwards.
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateRequest, createApiToken, createUser, listUsers, login, logout, revokeApiToken } from "@/lib/auth";
import { applyMigrations, closeDb, getDb, loadMigrations, resolveDbTarget, type DbTarget } from "@/lib/db";

const baseUrl = process.env.FLEET_TEST_DATABASE_URL;
const schema = `fleet_test_${process.pid}_${Date.now().toString(36)}`;
const raceSchema = `${schema}_race`;

function urlWithSchema(name: string): string {
  const u = new URL(baseUrl!);
  u.searchParams.set("schema", name);
  return u.toString();
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const c = new pg.Client({ connectionString: baseUrl });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

async function tablesIn(name: string): Promise<string[]> {
  return admin(async (c) => {
    const { rows } = await c.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
      [name],
    );
    return rows.map((r) => r.table_name);
  });
}

/** Fails (never skips) each test when there is no database to test against. */
function requirePostgres(): void {
  if (!baseUrl) {
    throw new Error(
      "FLEET_TEST_DATABASE_URL is not set. This test needs a real PostgreSQL, e.g. the lab's: " +
        "FLEET_TEST_DATABASE_URL=postgres://synapse:PASSWORD@127.0.0.1:55432/fleet (password in lab/.state/).",
    );
  }
}

beforeAll(async () => {
  if (!baseUrl) return; // each test then fails through requirePostgres()
  await admin(async (c) => {
    for (const s of [schema, raceSchema]) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
  process.env.DATABASE_URL = urlWithSchema(schema);
  delete process.env.FLEET_DATA_DIR;
});

afterAll(async () => {
  await closeDb();
  if (!baseUrl) return;
  await admin(async (c) => {
    for (const s of [schema, raceSchema]) await c.query(`DROP SCHEMA IF EXISTS "${s}" CASCADE`);
  });
});

describe("PostgreSQL", () => {
  it("applies the committed migrations into the chosen schema, and a second time changes nothing", async () => {
    requirePostgres();
    const target = resolveDbTarget();
    expect(target).toMatchObject({ dialect: "postgres", schema });
    const all = loadMigrations("postgres").map((m) => m.name);
    expect(await applyMigrations(target)).toEqual(all);
    expect(await applyMigrations(target)).toEqual([]);
    expect(await tablesIn(schema)).toEqual(["ApiToken", "AuditEvent", "LoginThrottle", "Operation", "OperationLease", "OperationStep", "Session", "User", "_fleet_migrations"]);
  });

  it("serializes concurrent starts: exactly one applies each migration", async () => {
    requirePostgres();
    const target = { ...resolveDbTarget(), schema: raceSchema } as DbTarget;
    const results = await Promise.all([applyMigrations(target), applyMigrations(target), applyMigrations(target)]);
    expect(results.flat()).toEqual(loadMigrations("postgres").map((m) => m.name));
  });

  it("round-trips a user, a session and an API token through the app's functions", async () => {
    requirePostgres();
    await getDb();
    const user = await createUser({ username: "pg-alice", password: "pg-alice-password", role: "operator" });
    expect((await listUsers()).map((u) => u.username)).toEqual(["pg-alice"]);
    await expect(createUser({ username: "pg-alice", password: "pg-alice-password", role: "viewer" })).rejects.toMatchObject({ code: "conflict" });

    const session = await login("pg-alice", "pg-alice-password", "192.0.2.1");
    const cookieReq = new Request("http://fleet.local/", { headers: { cookie: `fleet_session=${session.token}` } });
    expect(await authenticateRequest(cookieReq)).toMatchObject({ kind: "session", userId: user.id, name: "pg-alice", role: "operator" });
    await expect(login("pg-alice", "wrong-password", "192.0.2.1")).rejects.toMatchObject({ code: "invalid_credentials" });

    const token = await createApiToken({ role: "viewer", name: "pg-ci", createdBy: user.id });
    const bearerReq = new Request("http://fleet.local/", { headers: { authorization: `Bearer ${token.token}` } });
    expect(await authenticateRequest(bearerReq)).toEqual({ kind: "token", userId: null, name: "pg-ci", role: "viewer" });
    await revokeApiToken(token.id);
    expect(await authenticateRequest(bearerReq)).toBeNull();

    await logout(session.token);
    expect(await authenticateRequest(cookieReq)).toBeNull();
    // The rows live in the test's schema, not in whatever search_path the role defaults to.
    const count = await admin((c) => c.query(`SELECT count(*)::int AS n FROM "${schema}"."User"`));
    expect(count.rows[0].n).toBe(1);
  });
});
