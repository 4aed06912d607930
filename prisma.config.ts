// Prisma CLI configuration. Runs without downloaded engine binaries: the JS schema
// engine talks to the database through the same driver adapters the app uses.
//
// FLEET_PRISMA_DIALECT selects which schema the CLI works on (default sqlite):
//   npx prisma generate                                   -> lib/db/generated/sqlite
//   FLEET_PRISMA_DIALECT=postgres npx prisma generate     -> lib/db/generated/postgres
// The app never uses `prisma migrate deploy`; it applies prisma/migrations/<dialect>
// itself (lib/db/migrate.ts).
import path from "node:path";
import { defineConfig } from "prisma/config";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";

const dialect = process.env.FLEET_PRISMA_DIALECT === "postgres" ? "postgres" : "sqlite";

export default defineConfig(
  dialect === "postgres"
    ? {
        schema: path.join("prisma", "schema.postgres.prisma"),
        migrations: { path: path.join("prisma", "migrations", "postgres") },
        experimental: { adapter: true },
        engine: "js",
        adapter: async () =>
          new PrismaPg({ connectionString: process.env.DATABASE_URL ?? "postgresql://localhost:5432/fleet" }),
      }
    : {
        schema: path.join("prisma", "schema.prisma"),
        migrations: { path: path.join("prisma", "migrations", "sqlite") },
        experimental: { adapter: true },
        engine: "js",
        adapter: async () => new PrismaLibSQL({ url: process.env.FLEET_PRISMA_SQLITE_URL ?? ":memory:" }),
      },
);
