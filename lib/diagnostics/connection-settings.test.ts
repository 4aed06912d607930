import { describe, expect, it } from "vitest";
import { connectionSettings } from "./connection-settings";

describe("connection settings from homeserver.yaml", () => {
  it("reads redis and database.args; cp_max unset is Twisted's 5, dbname is accepted for database", () => {
    const s = connectionSettings("redis: {enabled: true, host: redis, password: pw}\ndatabase: {name: psycopg2, args: {user: u, dbname: d, host: pg, port: 5433}}\n");
    expect(s.redis).toEqual({ enabled: true, host: "redis", port: 6379, password: "pw", passwordPath: null });
    expect(s.database).toMatchObject({ engine: "psycopg2", user: "u", database: "d", host: "pg", port: 5433, cpMax: 5, cpMaxSet: false });
  });

  it("defaults: no redis section is disabled on localhost; no database section is SQLite", () => {
    const s = connectionSettings("server_name: x\n");
    expect(s.redis).toMatchObject({ enabled: false, host: "localhost", port: 6379 });
    expect(s.database.engine).toBe("sqlite3");
  });
});
