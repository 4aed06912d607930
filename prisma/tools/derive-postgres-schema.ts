// Derives prisma/schema.postgres.prisma from prisma/schema.prisma (the SQLite source of truth).
// A Prisma schema has exactly one provider and the client's query compiler is per provider,
// so the app ships two generated clients built from two schemas with identical models.
//
//   npx tsx prisma/tools/derive-postgres-schema.ts          # rewrite the postgres schema
//   npx tsx prisma/tools/derive-postgres-schema.ts --check  # exit 1 if it drifted
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";

export const SQLITE_SCHEMA_PATH = path.join("prisma", "schema.prisma");
export const POSTGRES_SCHEMA_PATH = path.join("prisma", "schema.postgres.prisma");

const HEADER = [
  "// GENERATED from prisma/schema.prisma by prisma/tools/derive-postgres-schema.ts — do not edit.",
  "// Edit prisma/schema.prisma, then run `npx tsx prisma/tools/derive-postgres-schema.ts`.",
  "",
  "",
].join("\n");

/** Returns the PostgreSQL twin of the SQLite schema text: same models, other provider and output. */
export function derivePostgresSchema(sqliteSchema: string): string {
  const replacements: Array<[RegExp, string]> = [
    [/^(\s*provider\s*=\s*)"sqlite"/m, '$1"postgresql"'],
    [/^(\s*output\s*=\s*)"\.\.\/lib\/db\/generated\/sqlite"/m, '$1"../lib/db/generated/postgres"'],
    [/^(\s*url\s*=\s*)"file:[^"]*"/m, '$1"postgresql://localhost:5432/fleet"'],
  ];
  let out = sqliteSchema;
  for (const [pattern, replacement] of replacements) {
    if (!pattern.test(out)) throw new Error(`prisma/schema.prisma no longer matches ${pattern}; update the derivation`);
    out = out.replace(pattern, replacement);
  }
  // The leading comment block of the source describes the source; replace it.
  out = out.replace(/^(\/\/[^\n]*\n)+\n?/, "");
  return HEADER + out;
}

function main(): void {
  const expected = derivePostgresSchema(readFileSync(SQLITE_SCHEMA_PATH, "utf8"));
  if (process.argv.includes("--check")) {
    const actual = readFileSync(POSTGRES_SCHEMA_PATH, "utf8");
    if (actual !== expected) {
      console.error(`${POSTGRES_SCHEMA_PATH} is out of date; run npx tsx prisma/tools/derive-postgres-schema.ts`);
      process.exit(1);
    }
    return;
  }
  writeFileSync(POSTGRES_SCHEMA_PATH, expected);
  console.log(`wrote ${POSTGRES_SCHEMA_PATH}`);
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) main();
