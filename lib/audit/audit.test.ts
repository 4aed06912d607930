import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { auditLimit, listAudit, pruneAudit, PRUNE_EVERY, recordAudit, truncate, type AuditRecord } from "./index";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-audit-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
});
afterEach(async () => {
  delete process.env.FLEET_AUDIT_LIMIT;
  await (await getDb()).auditEvent.deleteMany({});
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});

const entry = (over: Partial<AuditRecord> = {}): AuditRecord => ({
  actor: "admin",
  actorKind: "session",
  action: "POST /api/admin/users",
  target: "alice",
  detail: null,
  status: 201,
  ip: "192.0.2.7",
  ...over,
});

describe("audit log", () => {
  it("stores who, what, target, status and address, and answers them newest first with ISO times", async () => {
    await recordAudit(entry());
    await recordAudit(entry({ actor: "ops", actorKind: "cli", action: "cli token create", target: null, status: 0, ip: null }));
    const [newest, older] = await listAudit({ limit: 10 });
    expect(newest).toMatchObject({ actor: "ops", actorKind: "cli", action: "cli token create", target: null, detail: null, status: 0, ip: null });
    expect(older).toMatchObject({ actor: "admin", actorKind: "session", action: "POST /api/admin/users", target: "alice", status: 201, ip: "192.0.2.7" });
    expect(new Date(older.at).toISOString()).toBe(older.at);
    expect(Date.parse(newest.at)).toBeGreaterThanOrEqual(Date.parse(older.at));
  });

  it("pages with before = an entry id, without gaps or repeats, and answers nothing after an unknown id", async () => {
    for (let i = 0; i < 9; i++) await recordAudit(entry({ target: `t${i}` }));
    const all = await listAudit({ limit: 100 });
    expect(all.map((e) => e.target)).toEqual(["t8", "t7", "t6", "t5", "t4", "t3", "t2", "t1", "t0"]);
    const page1 = await listAudit({ limit: 4 });
    const page2 = await listAudit({ limit: 4, before: page1[3].id });
    const page3 = await listAudit({ limit: 4, before: page2[3].id });
    expect([...page1, ...page2, ...page3].map((e) => e.id)).toEqual(all.map((e) => e.id));
    expect(page3).toHaveLength(1);
    expect(await listAudit({ limit: 4, before: "no-such-entry" })).toEqual([]);
  });

  it("cuts long fields: detail to 500 characters, actor to 100, whole code points, marked with …", async () => {
    await recordAudit(entry({ actor: "a".repeat(300), detail: "😀".repeat(600), target: "x".repeat(1000), ip: "1".repeat(100) }));
    const [e] = await listAudit({ limit: 1 });
    expect(e.actor).toBe("a".repeat(99) + "…");
    expect(Array.from(e.detail ?? "")).toHaveLength(500);
    expect(e.detail?.endsWith("😀…")).toBe(true);
    expect(e.target).toHaveLength(200);
    expect(e.ip).toHaveLength(64);
    expect(truncate("short", 500)).toBe("short");
  });

  it("keeps only the newest FLEET_AUDIT_LIMIT entries, pruning once every 100 inserts", async () => {
    process.env.FLEET_AUDIT_LIMIT = "5";
    for (let i = 0; i < PRUNE_EVERY + 20; i++) await recordAudit(entry({ target: `t${i}` }));
    const db = await getDb();
    const count = await db.auditEvent.count();
    // Pruned at some insert in every run of 100, so at most 100 rows past the limit remain.
    expect(count).toBeGreaterThanOrEqual(5);
    expect(count).toBeLessThanOrEqual(5 + PRUNE_EVERY);
    expect(count).toBeLessThan(PRUNE_EVERY + 20);
    const newest = await listAudit({ limit: 5 });
    expect(newest.map((e) => e.target)).toEqual(["t119", "t118", "t117", "t116", "t115"]);
  });

  it("prunes all but the newest N, oldest first, and nothing when within the limit", async () => {
    for (let i = 0; i < 7; i++) await recordAudit(entry({ target: `t${i}` }));
    expect(await pruneAudit(10)).toBe(0);
    expect(await pruneAudit(3)).toBe(4);
    expect((await listAudit({ limit: 10 })).map((e) => e.target)).toEqual(["t6", "t5", "t4"]);
  });

  it("refuses a bad FLEET_AUDIT_LIMIT or actor kind before storing anything", async () => {
    expect(auditLimit({})).toBe(10_000);
    expect(auditLimit({ FLEET_AUDIT_LIMIT: "250" })).toBe(250);
    for (const bad of ["0", "-3", "ten", "1.5", "1e3"]) expect(() => auditLimit({ FLEET_AUDIT_LIMIT: bad })).toThrow(/FLEET_AUDIT_LIMIT/);
    process.env.FLEET_AUDIT_LIMIT = "abc";
    await expect(recordAudit(entry())).rejects.toThrow(/FLEET_AUDIT_LIMIT/);
    delete process.env.FLEET_AUDIT_LIMIT;
    await expect(recordAudit(entry({ actorKind: "robot" as AuditRecord["actorKind"] }))).rejects.toThrow(/actor kind/);
    expect(await listAudit({ limit: 10 })).toEqual([]);
  });
});
