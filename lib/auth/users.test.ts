import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { login } from "./login";
import { validateSession } from "./sessions";
import { createUser, ensureAdmin, listUsers, setPassword, setUserDisabled, setUserRole } from "./users";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-users-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
  delete process.env.FLEET_ADMIN_PASSWORD;
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});

describe("ensureAdmin", () => {
  it("refuses a too-short admin password", async () => {
    await expect(ensureAdmin({ password: "short" })).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("creates admin with a generated password once, then leaves things alone", async () => {
    const first = await ensureAdmin();
    expect(first.action).toBe("created");
    expect(first.action === "created" && first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
    expect(await ensureAdmin()).toEqual({ action: "unchanged", username: "admin" });
  });

  it("sets the given password (FLEET_ADMIN_PASSWORD) on admin", async () => {
    process.env.FLEET_ADMIN_PASSWORD = "demo-admin-password";
    try {
      expect(await ensureAdmin()).toEqual({ action: "updated", username: "admin" });
    } finally {
      delete process.env.FLEET_ADMIN_PASSWORD;
    }
    await expect(login("admin", "demo-admin-password", null)).resolves.toMatchObject({ user: { role: "admin" } });
  });

  it("ends all of admin's sessions when it changes the password, and none when the password is the same", async () => {
    const session = await login("admin", "demo-admin-password", null);
    expect(await ensureAdmin({ password: "demo-admin-password" })).toEqual({ action: "unchanged", username: "admin" });
    expect(await validateSession(session.token)).not.toBeNull();
    expect(await ensureAdmin({ password: "demo-admin-password-2" })).toEqual({ action: "updated", username: "admin" });
    expect(await validateSession(session.token)).toBeNull();
    await ensureAdmin({ password: "demo-admin-password" });
  });
});

describe("roles and disabling", () => {
  const enabledAdmins = async () => (await listUsers()).filter((u) => u.role === "admin" && !u.disabled).map((u) => u.username);

  it("changes a role, refusing unknown roles and users", async () => {
    await createUser({ username: "ivan", password: "ivan-password", role: "viewer" });
    expect(await setUserRole("ivan", "operator")).toMatchObject({ username: "ivan", role: "operator" });
    const session = await login("ivan", "ivan-password", null);
    await setUserRole("Ivan", "viewer");
    // A session carries no role of its own: the new one applies at once.
    expect(await validateSession(session.token)).toMatchObject({ role: "viewer" });
    await expect(setUserRole("ivan", "root")).rejects.toMatchObject({ code: "invalid_input" });
    await expect(setUserRole("nobody", "viewer")).rejects.toMatchObject({ code: "not_found" });
    await expect(setUserRole("bad name", "viewer")).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("disables a user, ending their sessions and their sign-in, and enables them again", async () => {
    const a = await login("ivan", "ivan-password", null);
    const b = await login("ivan", "ivan-password", null);
    expect(await setUserDisabled("ivan", true)).toMatchObject({ disabled: true });
    expect(await (await getDb()).session.count({ where: { user: { username: "ivan" } } })).toBe(0);
    expect(await validateSession(a.token)).toBeNull();
    expect(await validateSession(b.token)).toBeNull();
    await expect(login("ivan", "ivan-password", null)).rejects.toMatchObject({ code: "invalid_credentials" });
    expect(await setUserDisabled("ivan", false)).toMatchObject({ disabled: false });
    await expect(login("ivan", "ivan-password", null)).resolves.toMatchObject({ user: { username: "ivan" } });
  });

  it("always keeps one enabled admin: the last one can be neither demoted nor disabled", async () => {
    expect(await enabledAdmins()).toEqual(["admin"]);
    const session = await login("admin", "demo-admin-password", null);
    await expect(setUserRole("admin", "operator")).rejects.toMatchObject({ code: "conflict" });
    await expect(setUserDisabled("admin", true)).rejects.toMatchObject({ code: "conflict" });
    // Refused means nothing changed, sessions included.
    expect(await enabledAdmins()).toEqual(["admin"]);
    expect(await validateSession(session.token)).toMatchObject({ role: "admin" });

    await setUserRole("ivan", "admin");
    expect(await setUserRole("admin", "operator")).toMatchObject({ role: "operator" });
    await expect(setUserDisabled("ivan", true)).rejects.toMatchObject({ code: "conflict" });
    await setUserRole("admin", "admin");
    expect(await setUserDisabled("ivan", true)).toMatchObject({ disabled: true });
    expect(await enabledAdmins()).toEqual(["admin"]);
    // A disabled admin does not count, so demoting it is fine; the enabled one stays protected.
    expect(await setUserRole("ivan", "viewer")).toMatchObject({ role: "viewer" });
    await expect(setUserRole("admin", "viewer")).rejects.toMatchObject({ code: "conflict" });
  });

  it("lets a user be changed when no admin was enabled to begin with (users made before `admin ensure`)", async () => {
    await (await getDb()).user.updateMany({ where: { role: "admin" }, data: { disabled: true } });
    expect(await enabledAdmins()).toEqual([]);
    expect(await setUserRole("admin", "operator")).toMatchObject({ role: "operator" });
    expect(await setUserDisabled("admin", true)).toMatchObject({ disabled: true });
  });

  it("enforces the last admin under concurrent demotions", async () => {
    await createUser({ username: "judy", password: "judy-password", role: "admin" });
    const results = await Promise.allSettled([setUserRole("admin", "viewer"), setUserRole("judy", "viewer")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    expect(results.find((r) => r.status === "rejected")).toMatchObject({ reason: { code: "conflict" } });
    expect(await enabledAdmins()).toHaveLength(1);
    const [left] = await enabledAdmins();
    if (left !== "admin") await setUserRole("admin", "admin");
  });
});

describe("users", () => {
  it("stores usernames lower-case and refuses odd ones", async () => {
    const u = await createUser({ username: " Grace ", password: "grace-password", role: "operator" });
    expect(u).toMatchObject({ username: "grace", role: "operator", disabled: false });
    await expect(createUser({ username: "bad name", password: "grace-password", role: "viewer" })).rejects.toMatchObject({ code: "invalid_input" });
    await expect(createUser({ username: "heidi", password: "too-short", role: "viewer" })).rejects.toMatchObject({ code: "invalid_input" });
  });

  it("changes a password: the old one stops working", async () => {
    await setPassword("grace", "grace-password-2");
    await expect(login("grace", "grace-password", null)).rejects.toMatchObject({ code: "invalid_credentials" });
    await expect(login("grace", "grace-password-2", null)).resolves.toMatchObject({ user: { username: "grace" } });
    await expect(setPassword("nobody", "whatever-password")).rejects.toMatchObject({ code: "not_found" });
  });

  it("rejects duplicate usernames", async () => {
    await createUser({ username: "frank", password: "frank-password", role: "viewer" });
    await expect(createUser({ username: "Frank", password: "frank-password", role: "viewer" })).rejects.toMatchObject({ code: "conflict" });
    expect((await listUsers()).map((u) => u.username)).toContain("frank");
  });
});
