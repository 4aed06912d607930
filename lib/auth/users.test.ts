import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db";
import { login } from "./login";
import { createUser, ensureAdmin, listUsers, setPassword } from "./users";

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
