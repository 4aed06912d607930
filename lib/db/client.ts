import "server-only";
import type { Client, Config, TransactionMode } from "@libsql/client";
import { PrismaLibSQL } from "@prisma/adapter-libsql";
import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient as PostgresClient } from "./generated/postgres/client";
import { PrismaClient as SqliteClient } from "./generated/sqlite/client";
import { quoteIdent, type DbTarget } from "./target";

/**
 * The Prisma client type the rest of the app sees. Both generated clients come from schemas
 * with identical models (prisma/tools/derive-postgres-schema.ts, checked by a test), so the
 * PostgreSQL one is used through the SQLite one's type.
 */
export type Db = SqliteClient;

const BUSY_TIMEOUT = "PRAGMA busy_timeout = 5000";

/**
 * libsql opens a fresh connection after each transaction takes the current one; every
 * connection gets a busy timeout so the CLI and the app can write the same file.
 */
class FleetLibSQL extends PrismaLibSQL {
  override createClient(config: Config): Client {
    const client = super.createClient(config);
    void client.execute(BUSY_TIMEOUT); // local file clients run statements synchronously
    const takeTransaction = client.transaction.bind(client);
    client.transaction = (async (mode?: TransactionMode) => {
      const tx = await takeTransaction(mode);
      await client.execute(BUSY_TIMEOUT);
      return tx;
    }) as Client["transaction"];
    return client;
  }
}

/** Opens a Prisma client for the target; migrations are not applied here (see migrate.ts). */
export function createPrismaClient(target: DbTarget): Db {
  if (target.dialect === "sqlite") {
    return new SqliteClient({ adapter: new FleetLibSQL({ url: target.url }) });
  }
  const adapter = new PrismaPg(
    { connectionString: target.connectionString, options: `-c search_path=${quoteIdent(target.schema)}` },
    { schema: target.schema },
  );
  return new PostgresClient({ adapter }) as unknown as Db;
}
