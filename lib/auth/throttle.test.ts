import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { AuthError } from "./errors";
import { login, loginVerificationLoad, VERIFY_CONCURRENCY, VERIFY_QUEUE } from "./login";
import { hashPassword } from "./password";
import { ADDRESS_MAX_FAILURES, NAME_SPACING_MAX_MS, pruneThrottle } from "./throttle";
import { createUser } from "./users";

// Throttling counts attempts; it does not depend on what one scrypt costs. At the real cost
// (~100 ms on the CI machine) the ~250 scrypts of this file took 25 s, so most tests verify
// against hashes made with a small N (the stored hash carries its parameters). The tests whose
// behaviour is the cost itself — the flood that must fill the verification queue, the unknown
// user that must take as long as a wrong password — run at the real cost (`realCost`).
const CHEAP = { N: 2 ** 10, r: 8, p: 1 };
const scryptCost = vi.hoisted(() => ({ real: false }));
vi.mock("./password", async (importOriginal) => {
  const actual = await importOriginal<typeof import("./password")>();
  let cheapDummy: Promise<string> | undefined;
  return {
    ...actual,
    dummyPasswordHash: () => (scryptCost.real ? actual.dummyPasswordHash() : (cheapDummy ??= actual.hashPassword("dummy-password", CHEAP))),
  };
});
function realCost() {
  scryptCost.real = true;
}

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-throttle-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
  await createUser({ username: "admin", password: "admin-password", role: "admin" });
  await createUser({ username: "carol", password: "carol-password", role: "operator" });
  await createUser({ username: "dave", password: "dave-password", role: "viewer" });
  // erin keeps the real cost: the timing test compares a wrong password for her with an unknown name.
  await createUser({ username: "erin", password: "erin-password", role: "viewer" });
  const db = await getDb();
  for (const [username, password] of [["admin", "admin-password"], ["carol", "carol-password"], ["dave", "dave-password"]]) {
    await db.user.update({ where: { username }, data: { passwordHash: await hashPassword(password, CHEAP) } });
  }
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
  scryptCost.real = false;
});

async function attempt(username: string, password: string, ip: string | null): Promise<string> {
  try {
    await login(username, password, ip);
    return "ok";
  } catch (err) {
    if (err instanceof AuthError) return err.code;
    throw err;
  }
}

async function refusal(username: string, password: string, ip: string | null): Promise<AuthError> {
  const err = await login(username, password, ip).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(AuthError);
  return err as AuthError;
}

function at(iso: string | number) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
}

const rows = async () => (await getDb()).loginThrottle.findMany();

describe("login throttling", () => {
  it("20 failures for admin from one address lock that address out of admin, not admin out of the dashboard", async () => {
    at("2030-01-01T10:00:00Z");
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await attempt("admin", "wrong-password", "192.0.2.1"));
    expect(results.slice(0, 5)).toEqual(Array(5).fill("invalid_credentials"));
    expect(results.slice(5)).toEqual(Array(15).fill("throttled"));
    // Even the right password is refused from there…
    expect(await attempt("admin", "admin-password", "192.0.2.1")).toBe("throttled");
    // …but the real admin, elsewhere, gets straight in.
    expect(await attempt("admin", "admin-password", "198.51.100.1")).toBe("ok");
  });

  it("keeps the pair locked for 15 minutes and says how long to wait", async () => {
    at("2030-01-02T10:00:00Z");
    for (let i = 0; i < 5; i++) await attempt("carol", "wrong-password", "192.0.2.2");
    at("2030-01-02T10:05:00Z");
    expect((await refusal("carol", "carol-password", "192.0.2.2")).retryAfterSeconds).toBe(10 * 60);
    at("2030-01-02T10:15:01Z");
    expect(await attempt("carol", "carol-password", "192.0.2.2")).toBe("ok");
  });

  it("an attacker spread over many addresses slows a name down by seconds and never locks it", async () => {
    const start = Date.parse("2030-01-03T10:00:00Z");
    let now = start;
    at(now);
    // 60 failures from 60 addresses (each below its pair limit), as fast as they are let through.
    let failures = 0;
    for (let i = 0; failures < 60; i++) {
      const result = await attempt("carol", "wrong-password", `203.0.113.${i % 250}`);
      if (result === "invalid_credentials") failures++;
      else {
        expect(result).toBe("throttled");
        now += 1000;
        at(now);
      }
      // Whenever the real user tries in between, the wait is a few seconds at most.
      if (i % 10 === 0) {
        const err = await login("carol", "carol-password", "198.51.100.3").then(() => null, (e: unknown) => e as AuthError);
        if (err) {
          expect(err.code).toBe("throttled");
          expect(err.retryAfterSeconds).toBeLessThanOrEqual(NAME_SPACING_MAX_MS / 1000);
        }
      }
    }
    // The attacker got no more than one try per few seconds once the slowdown started.
    expect(now - start).toBeGreaterThan(40 * 1000);
    const err = await refusal("carol", "carol-password", "198.51.100.3");
    expect(err.code).toBe("throttled");
    expect(err.retryAfterSeconds).toBeLessThanOrEqual(5);
    at(now + NAME_SPACING_MAX_MS);
    expect(await attempt("carol", "carol-password", "198.51.100.3")).toBe("ok");
  });

  it("a success clears its own pair, not the name's count", async () => {
    at("2030-01-04T10:00:00Z");
    for (let i = 0; i < 4; i++) await attempt("dave", "wrong-password", "192.0.2.4");
    expect(await attempt("dave", "dave-password", "192.0.2.4")).toBe("ok");
    for (let i = 0; i < 4; i++) expect(await attempt("dave", "wrong-password", "192.0.2.4")).toBe("invalid_credentials");
    const name = (await rows()).find((r) => r.key === "name:dave");
    expect(name?.failures).toBe(8);
  });

  it("counts unknown names against the address only: 1,000 made-up names leave a handful of rows", async () => {
    at("2030-01-05T10:00:00Z");
    await pruneThrottle(new Date(), true);
    const addresses = ["192.0.2.50", "192.0.2.51", "2001:db8:5::1", "2001:db8:5::2"];
    const names = Array.from({ length: 1000 }, () => `u${randomBytes(6).toString("hex")}`);
    const outcomes = new Map<string, number>();
    for (const [i, name] of names.entries()) {
      const result = await attempt(name, "wrong-password", addresses[i % addresses.length]);
      outcomes.set(result, (outcomes.get(result) ?? 0) + 1);
    }
    // 30 per address (the two IPv6 addresses share a /64), the rest refused without a scrypt.
    expect(outcomes.get("invalid_credentials")).toBe(3 * ADDRESS_MAX_FAILURES);
    expect(outcomes.get("throttled")).toBe(1000 - 3 * ADDRESS_MAX_FAILURES);
    const keys = (await rows()).map((r) => r.key).sort();
    expect(keys).toEqual(["ip:192.0.2.50", "ip:192.0.2.51", "ip:2001:db8:5:0::/64"]);
    // A locked address is locked for every name, known ones included (no oracle, and no way around it).
    expect(await attempt("dave", "dave-password", "192.0.2.50")).toBe("throttled");
    expect(await attempt("dave", "dave-password", "192.0.2.52")).toBe("ok");
  });

  it("puts callers without an address in one shared bucket", async () => {
    at("2030-01-06T10:00:00Z");
    for (let i = 0; i < 3; i++) await attempt(`ghost${i}`, "wrong-password", null);
    expect((await rows()).find((r) => r.key === "ip:unknown")?.failures).toBe(3);
  });

  it("prunes rows whose window and lock have both passed", async () => {
    at("2030-01-07T10:00:00Z");
    for (let i = 0; i < 4; i++) await attempt("carol", "wrong-password", "192.0.2.7");
    await attempt("nobody-here", "wrong-password", "192.0.2.8");
    at("2030-01-07T10:05:00Z");
    await attempt("carol", "wrong-password", "192.0.2.7");
    expect((await rows()).map((r) => r.key)).toEqual(expect.arrayContaining(["pair:carol|192.0.2.7", "ip:192.0.2.8"]));
    // The pair's window (from 10:00) has passed but its lock (10:05–10:20) runs: it stays.
    at("2030-01-07T10:16:00Z");
    await pruneThrottle(new Date(), true);
    const kept = (await rows()).map((r) => r.key);
    expect(kept).toContain("pair:carol|192.0.2.7");
    expect(kept).not.toContain("ip:192.0.2.8");
    // Once the lock has passed too, a later failure anywhere sweeps it away.
    at(Date.parse("2030-01-07T10:30:00Z"));
    await attempt("dave", "wrong-password", "192.0.2.9");
    expect((await rows()).map((r) => r.key).sort()).toEqual(["ip:192.0.2.9", "name:dave", "pair:dave|192.0.2.9"]);
  });

  it("bounds concurrent password checks and refuses a flood beyond the queue", async () => {
    realCost();
    at("2030-01-08T10:00:00Z");
    let peakRunning = 0;
    let peakWaiting = 0;
    const probe = setInterval(() => {
      const { running, waiting } = loginVerificationLoad();
      peakRunning = Math.max(peakRunning, running);
      peakWaiting = Math.max(peakWaiting, waiting);
    }, 1);
    const flood = Array.from({ length: 80 }, (_, i) => login(`flood${i}`, "wrong-password", `10.9.${i >> 8}.${i & 255}`).catch((e: unknown) => e));
    const results = await Promise.all(flood);
    clearInterval(probe);
    const refused = results.filter((e) => e instanceof AuthError && e.code === "throttled");
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) expect((e as AuthError).retryAfterSeconds).toBe(1);
    expect(results.every((e) => e instanceof AuthError && ["throttled", "invalid_credentials"].includes(e.code))).toBe(true);
    expect(peakRunning).toBeLessThanOrEqual(VERIFY_CONCURRENCY);
    expect(peakWaiting).toBeLessThanOrEqual(VERIFY_QUEUE);
    expect(loginVerificationLoad()).toEqual({ running: 0, waiting: 0 });
  });

  it("takes about as long for an unknown user as for a wrong password", async () => {
    realCost();
    const time = async (name: string, ip: string) => {
      const t0 = performance.now();
      await attempt(name, "wrong-password", ip);
      return performance.now() - t0;
    };
    await time("ghost-warmup", "10.20.0.1");
    const known = await time("erin", "10.20.0.2");
    const unknown = await time("ghost", "10.20.0.3");
    // Both run one scrypt; without the dummy hash the unknown user would return in ~1 ms.
    expect(unknown).toBeGreaterThan(known / 3);
  });
});
