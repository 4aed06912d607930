import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { derivePostgresSchema } from "@/prisma/tools/derive-postgres-schema";

const root = path.resolve(import.meta.dirname, "../..");
const read = (p: string) => readFileSync(path.join(root, p), "utf8");
const migrationNames = (dialect: string) =>
  readdirSync(path.join(root, "prisma/migrations", dialect), { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();

describe("the two Prisma schemas and their migrations", () => {
  it("keeps schema.postgres.prisma derived from schema.prisma", () => {
    expect(read("prisma/schema.postgres.prisma"), "run: npx tsx prisma/tools/derive-postgres-schema.ts").toBe(
      derivePostgresSchema(read("prisma/schema.prisma")),
    );
  });

  it("has a migration for every change to schema.prisma", () => {
    expect(read("prisma/migrations/migrated-schema.prisma"), "run: npx tsx prisma/tools/new-migration.ts <label>").toBe(
      read("prisma/schema.prisma"),
    );
  });

  it("has the same migrations, each with SQL, for SQLite and PostgreSQL", () => {
    const sqlite = migrationNames("sqlite");
    expect(sqlite.length).toBeGreaterThan(0);
    expect(migrationNames("postgres")).toEqual(sqlite);
    for (const dialect of ["sqlite", "postgres"]) {
      for (const name of sqlite) expect(existsSync(path.join(root, "prisma/migrations", dialect, name, "migration.sql"))).toBe(true);
    }
  });

  it("declares every model with the same fields in both schemas", () => {
    const models = (text: string) => [...text.matchAll(/^model \w+ \{[^}]*\}/gm)].map((m) => m[0]);
    expect(models(read("prisma/schema.postgres.prisma"))).toEqual(models(read("prisma/schema.prisma")));
  });
});
