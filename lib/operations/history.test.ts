import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { findLatestSucceeded, listOperationRows, markInterrupted, pruneHistory, saveStep } from "./history";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-history-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});

async function add(kind: string, status: string, minutesAgo: number): Promise<string> {
  const db = await getDb();
  const snap = JSON.stringify({ takenAt: String(minutesAgo), files: {}, processes: [], usedHostPorts: [] });
  const row = await db.operation.create({
    data: { kind, intent: JSON.stringify({ kind }), actor: "t", status, summary: `${kind} ${minutesAgo}`, plan: "{}", snapshotBefore: snap, createdAt: new Date(Date.now() - minutesAgo * 60_000) },
  });
  await saveStep(row.id, { index: 0, kind: "write_files", target: null, reason: "", status: "succeeded", startedAt: null, finishedAt: null, message: null });
  return row.id;
}

describe("operation history", () => {
  it("pages newest first, keeps the newest N, never prunes an applying operation, finds the last succeeded rollback", async () => {
    const ids = [];
    for (let m = 10; m >= 1; m--) ids.push(await add(m % 3 === 0 ? "rollback_to_single_process" : "add_worker", m === 10 ? "applying" : "succeeded", m));
    const page1 = await listOperationRows({ limit: 4 });
    expect(page1.map((r) => r.id)).toEqual(ids.slice(-4).reverse());
    const page2 = await listOperationRows({ limit: 4, before: page1[3].id });
    expect(page2.map((r) => r.id)).toEqual(ids.slice(-8, -4).reverse());
    expect((await findLatestSucceeded("rollback_to_single_process"))?.snapshotBefore?.takenAt).toBe("3");

    expect(await pruneHistory(5)).toBe(4);
    const db = await getDb();
    const left = (await db.operation.findMany({ orderBy: { createdAt: "asc" } })).map((r) => r.id);
    expect(left).toEqual([ids[0], ...ids.slice(-5)]);
    expect(await db.operationStep.count()).toBe(6);

    expect(await markInterrupted(new Set([ids[0]]))).toEqual([]); // this process is applying it
    expect(await markInterrupted(new Set())).toEqual([ids[0]]);
    expect((await db.operation.findUnique({ where: { id: ids[0] } }))?.status).toBe("interrupted");
  });
});
