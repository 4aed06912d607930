import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db";
import { acquireLease, attachOperation, liveLeaseOperations, releaseLease, renewLease } from "./lease";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-lease-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the operation lease", () => {
  it("goes to one holder at a time; the other learns who holds it and for which operation", async () => {
    const a = await acquireLease("/deploy/one", null, 10_000, "host:1:a");
    if (!("lease" in a)) throw new Error("the first taking must win");
    await attachOperation(a.lease, "op-a");
    const b = await acquireLease("/deploy/one", null, 10_000, "host:2:b");
    expect(b).toEqual({ heldBy: { holder: "host:1:a", operationId: "op-a" } });
    expect(await liveLeaseOperations()).toContain("op-a");
    // Another deployment is another lease.
    expect("lease" in (await acquireLease("/deploy/two", null, 10_000, "host:2:b"))).toBe(true);
    await releaseLease(a.lease);
    expect(await liveLeaseOperations()).not.toContain("op-a");
    const c = await acquireLease("/deploy/one", null, 10_000, "host:2:b");
    if (!("lease" in c)) throw new Error("a released lease must be free");
    expect(c.lease.token).toBe(a.lease.token + 1);
  });

  it("lapses unless renewed; a holder whose lease was taken over cannot renew it (fencing)", async () => {
    const a = await acquireLease("/deploy/three", null, 150, "host:1:a");
    if (!("lease" in a)) throw new Error("free lease");
    expect(await renewLease(a.lease, 150)).toBe(true);
    await sleep(300);
    const b = await acquireLease("/deploy/three", null, 10_000, "host:2:b");
    if (!("lease" in b)) throw new Error("a lapsed lease must be taken over");
    expect(b.lease.token).toBeGreaterThan(a.lease.token);
    expect(await renewLease(a.lease)).toBe(false);
    // A late release by the old holder does not free the new holder's lease.
    await releaseLease(a.lease);
    expect(await acquireLease("/deploy/three", null, 10_000, "host:3:c")).toEqual({ heldBy: { holder: "host:2:b", operationId: null } });
  });

  it("lets exactly one of many simultaneous takers win", async () => {
    const results = await Promise.all(Array.from({ length: 12 }, (_, i) => acquireLease("/deploy/race", null, 10_000, `host:${i}:x`)));
    expect(results.filter((r) => "lease" in r)).toHaveLength(1);
  });
});
