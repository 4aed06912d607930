import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { openDb } from "./index";
import { resolveDbTarget, type DbTarget } from "./target";

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tempRoot(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "fleet-perms-"));
  dirs.push(dir);
  return dir;
}
const modeOf = (p: string) => statSync(p).mode & 0o777;
const sqlite = (dataDir: string) => resolveDbTarget({ FLEET_DATA_DIR: dataDir }) as Extract<DbTarget, { dialect: "sqlite" }>;

async function open(target: DbTarget): Promise<void> {
  const db = await openDb(target);
  // A write makes SQLite create its WAL and shared-memory files beside the database.
  await db.loginThrottle.upsert({ where: { key: "probe" }, create: { key: "probe", windowStart: new Date() }, update: { failures: { increment: 1 } } });
  await db.$disconnect();
}

describe("SQLite file modes", () => {
  it("creates the data directory 0700 and the database and its companions 0600, whatever the umask", async () => {
    const dataDir = path.join(tempRoot(), "nested", "data");
    const previous = process.umask(0);
    try {
      await open(sqlite(dataDir));
    } finally {
      process.umask(previous);
    }
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(path.join(dataDir, "fleet.db"))).toBe(0o600);
    const companions = ["-wal", "-shm", "-journal"].map((s) => path.join(dataDir, `fleet.db${s}`)).filter(existsSync);
    expect(companions.length).toBeGreaterThan(0);
    for (const file of companions) expect(modeOf(file)).toBe(0o600);
  });

  it("tightens an existing directory and database that are too open", async () => {
    const dataDir = path.join(tempRoot(), "data");
    await open(sqlite(dataDir));
    chmodSync(dataDir, 0o755);
    chmodSync(path.join(dataDir, "fleet.db"), 0o644);
    writeFileSync(path.join(dataDir, "fleet.db-journal"), "");
    chmodSync(path.join(dataDir, "fleet.db-journal"), 0o666);
    await open(sqlite(dataDir));
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(path.join(dataDir, "fleet.db"))).toBe(0o600);
    expect(modeOf(path.join(dataDir, "fleet.db-journal"))).toBe(0o600);
  });

  it("leaves a shared sticky directory such as /tmp alone", async () => {
    const shared = path.join(tempRoot(), "shared");
    mkdirSync(shared);
    chmodSync(shared, 0o1777);
    await open(sqlite(shared));
    expect(statSync(shared).mode & 0o7777).toBe(0o1777);
    expect(modeOf(path.join(shared, "fleet.db"))).toBe(0o600);
  });
});
