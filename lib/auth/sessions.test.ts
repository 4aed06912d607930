import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { SESSION_COOKIE, sessionCookie } from "./cookies";
import { login, logout } from "./login";
import { authenticateRequest } from "./request";
import { SESSION_MAX_AGE_MS, SESSION_TTL_MS, validateSession } from "./sessions";
import { sha256Hex } from "./secrets";
import { createUser, setPassword } from "./users";

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-sessions-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
  await createUser({ username: "erin", password: "erin-password", role: "operator" });
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

const hour = 60 * 60_000;
const withCookie = (token: string) => new Request("http://fleet.local/api/auth/me", { headers: { cookie: `other=1; ${SESSION_COOKIE}=${token}` } });

describe("sessions", () => {
  it("stores only the SHA-256 of the cookie token", async () => {
    const { token } = await login("erin", "erin-password", "127.0.0.1");
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const db = await getDb();
    expect(await db.session.findUnique({ where: { tokenHash: token } })).toBeNull();
    expect(await db.session.findUnique({ where: { tokenHash: sha256Hex(token) } })).not.toBeNull();
  });

  it("authenticates a request by its cookie as a session principal", async () => {
    const { token } = await login("ERIN ", "erin-password", "127.0.0.1");
    const principal = await authenticateRequest(withCookie(token));
    expect(principal).toMatchObject({ kind: "session", name: "erin", role: "operator" });
    const stored = await (await getDb()).session.findUnique({ where: { tokenHash: sha256Hex(token) } });
    expect(principal?.sessionId).toBe(stored?.id);
  });

  it("expires after 12 hours without use", async () => {
    const start = Date.parse("2030-02-01T08:00:00Z");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
    const used = await login("erin", "erin-password", "127.0.0.1");
    const idle = await login("erin", "erin-password", "127.0.0.1");
    expect(idle.expiresAt.getTime()).toBe(start + SESSION_TTL_MS);
    expect(await validateSession(used.token, new Date(start + 12 * hour - 1))).not.toBeNull();
    expect(await validateSession(idle.token, new Date(start + 12 * hour))).toBeNull();
    // The expired row is deleted, so the token stays dead even if the clock were wrong later.
    expect(await validateSession(idle.token, new Date(start + hour))).toBeNull();
  });

  it("slides the expiry forward on use", async () => {
    const start = Date.parse("2030-03-01T08:00:00Z");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
    const { token } = await login("erin", "erin-password", "127.0.0.1");
    const seen = await validateSession(token, new Date(start + 11 * hour));
    expect(seen?.expiresAt.getTime()).toBe(start + 23 * hour);
    expect(await validateSession(token, new Date(start + 22 * hour))).not.toBeNull();
    expect(await validateSession(token, new Date(start + 22 * hour + 12 * hour))).toBeNull();
  });

  it("ends 24 hours after sign-in however often it is used", async () => {
    const start = Date.parse("2030-04-01T08:00:00Z");
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(start);
    const { token } = await login("erin", "erin-password", "127.0.0.1");
    expect(SESSION_MAX_AGE_MS).toBe(24 * hour);
    for (let h = 1; h < 24; h++) {
      const seen = await validateSession(token, new Date(start + h * hour));
      expect(seen).not.toBeNull();
      // The sliding expiry never promises more than the absolute limit.
      expect(seen!.expiresAt.getTime()).toBeLessThanOrEqual(start + 24 * hour);
    }
    expect(await validateSession(token, new Date(start + 24 * hour - 1))).not.toBeNull();
    expect(await validateSession(token, new Date(start + 24 * hour))).toBeNull();
    expect(await (await getDb()).session.count({ where: { tokenHash: sha256Hex(token) } })).toBe(0);
  });

  it("a self-service password change keeps the session it came from and ends the others", async () => {
    const here = await login("erin", "erin-password", "127.0.0.1");
    const elsewhere = await login("erin", "erin-password", "127.0.0.2");
    const current = await authenticateRequest(withCookie(here.token));
    await setPassword("erin", "erin-password-3", { keepSessionId: current!.sessionId });
    expect(await authenticateRequest(withCookie(here.token))).toMatchObject({ name: "erin" });
    expect(await authenticateRequest(withCookie(elsewhere.token))).toBeNull();
    await setPassword("erin", "erin-password");
    expect(await authenticateRequest(withCookie(here.token))).toBeNull();
  });

  it("is not believed past its expiry on the strength of a confirmation a moment before", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { token } = await login("erin", "erin-password", "127.0.0.1");
    const db = await getDb();
    await db.session.update({ where: { tokenHash: sha256Hex(token) }, data: { expiresAt: new Date(Date.now() + 100) } });
    expect(await authenticateRequest(withCookie(token))).toMatchObject({ name: "erin" });
    vi.advanceTimersByTime(100);
    expect(await authenticateRequest(withCookie(token))).toBeNull();
  });

  it("ends on logout", async () => {
    const { token } = await login("erin", "erin-password", "127.0.0.1");
    await logout(token);
    expect(await authenticateRequest(withCookie(token))).toBeNull();
  });

  it("ends when the password changes or the user is disabled", async () => {
    const a = await login("erin", "erin-password", "127.0.0.1");
    await setPassword("erin", "erin-password-2");
    expect(await authenticateRequest(withCookie(a.token))).toBeNull();
    const b = await login("erin", "erin-password-2", "127.0.0.1");
    const db = await getDb();
    await db.user.update({ where: { username: "erin" }, data: { disabled: true } });
    expect(await authenticateRequest(withCookie(b.token))).toBeNull();
    await db.user.update({ where: { username: "erin" }, data: { disabled: false } });
  });

  it("writes an httpOnly, SameSite=Lax, Path=/ cookie, Secure only over https", () => {
    expect(sessionCookie("abc", false)).toBe("fleet_session=abc; Path=/; HttpOnly; SameSite=Lax");
    expect(sessionCookie("abc", true)).toBe("fleet_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure");
  });

  it("ignores unknown and garbage cookies", async () => {
    expect(await authenticateRequest(withCookie("nope"))).toBeNull();
    expect(await authenticateRequest(new Request("http://fleet.local/"))).toBeNull();
  });
});
