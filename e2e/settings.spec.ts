import { expect, request as playwrightRequest, test, type APIRequestContext, type Page } from "@playwright/test";
import crypto from "node:crypto";
import { routeEntries } from "@/lib/api/routes";
import type { AdminUser, AuditEntry } from "@/lib/contract/admin";
import { FleetApi } from "./fleet-api";

const base = () => test.info().project.use.baseURL!;
const suffix = () => crypto.randomBytes(3).toString("hex");

/** A client with no cookies: sign-ins and bearer calls that must not touch the admin's session. */
async function bareClient(): Promise<APIRequestContext> {
  return playwrightRequest.newContext({ baseURL: base(), storageState: { cookies: [], origins: [] } });
}

async function signInStatus(username: string, password: string): Promise<number> {
  const client = await bareClient();
  try {
    return (await client.post("/api/auth/login", { data: { username, password } })).status();
  } finally {
    await client.dispose();
  }
}

async function meStatus(token: string): Promise<{ status: number; name?: string }> {
  const client = await bareClient();
  try {
    const res = await client.get("/api/auth/me", { headers: { Authorization: `Bearer ${token}` } });
    return { status: res.status(), name: res.ok() ? (await res.json()).name : undefined };
  } finally {
    await client.dispose();
  }
}

/** Waits for the admin API call a control makes, so the next step sees its effect. */
function answered(page: Page, method: string, pathPart: string) {
  return page.waitForResponse((r) => r.request().method() === method && new URL(r.url()).pathname.startsWith(pathPart));
}

test.describe("settings (admin)", () => {
  test("an admin adds, promotes and disables a user, creates and revokes a token, and the audit log shows it all", async ({ page }) => {
    const name = `e2e-user-${suffix()}`;
    const tokenName = `e2e-token-${suffix()}`;

    await page.goto("/");
    await page.getByRole("navigation", { name: "Screens" }).getByRole("link", { name: "Settings" }).click();
    await expect(page.getByRole("heading", { name: "Settings" })).toBeVisible();
    await expect(page.getByRole("tab", { name: "Users" })).toHaveAttribute("aria-selected", "true");

    // Add a user with a generated password, shown once.
    const addForm = page.getByRole("form", { name: "Add a user" });
    await addForm.getByLabel("Username").fill(name);
    await addForm.getByLabel("Role", { exact: true }).selectOption("viewer");
    const created = answered(page, "POST", "/api/admin/users");
    await addForm.getByRole("button", { name: "Add user" }).click();
    expect((await created).status()).toBe(201);
    const shown = page.getByRole("region", { name: `Password of ${name}` });
    const password = await shown.getByTestId("secret-value").inputValue();
    expect(password.length).toBeGreaterThanOrEqual(10);
    const row = page.getByTestId(`user-${name}`);
    await expect(row).toBeVisible();

    // Set the role: the user signs in as an operator.
    const patched = answered(page, "PATCH", `/api/admin/users/${name}`);
    await row.getByLabel(`Role of ${name}`).selectOption("operator");
    expect((await patched).status()).toBe(200);
    await expect(row.getByLabel(`Role of ${name}`)).toHaveValue("operator");
    expect(await signInStatus(name, password)).toBe(200);

    // Disable them: the right password no longer signs in.
    const disabled = answered(page, "PATCH", `/api/admin/users/${name}`);
    // A controlled switch: it shows the server's answer, so click and wait for it.
    await row.getByRole("switch", { name: `Disable ${name}` }).click();
    expect((await disabled).status()).toBe(200);
    await expect(row.getByRole("switch", { name: `Disable ${name}` })).toBeChecked();
    expect(await signInStatus(name, password)).toBe(401);

    // A token, shown once, authenticates; revoked, it does not.
    await page.getByRole("tab", { name: "API tokens" }).click();
    await expect(page).toHaveURL(/tab=tokens/);
    const tokenForm = page.getByRole("form", { name: "Create an API token" });
    await tokenForm.getByLabel("Token name").fill(tokenName);
    await tokenForm.getByLabel("Token role").selectOption("viewer");
    const tokenCreated = answered(page, "POST", "/api/admin/tokens");
    await tokenForm.getByRole("button", { name: "Create token" }).click();
    const tokenId = ((await (await tokenCreated).json()) as { id: string }).id;
    const secret = await page.getByRole("region", { name: `Token ${tokenName}` }).getByTestId("secret-value").inputValue();
    expect(secret).toMatch(/^sf_/);
    expect(await meStatus(secret)).toEqual({ status: 200, name: tokenName });
    await page.getByRole("region", { name: `Token ${tokenName}` }).getByRole("button", { name: "Done" }).click();
    await expect(page.getByTestId("secret-value")).toHaveCount(0);
    // The list never holds the secret, only its prefix.
    await expect(page.getByRole("table", { name: "API tokens" })).not.toContainText(secret);

    const tokenRow = page.getByTestId(`token-${tokenId}`);
    await tokenRow.getByRole("button", { name: `Revoke ${tokenName}` }).click();
    const dialog = page.getByRole("dialog", { name: `Revoke ${tokenName}?` });
    const revoked = answered(page, "DELETE", `/api/admin/tokens/${tokenId}`);
    await dialog.getByRole("button", { name: "Revoke token" }).click();
    expect((await revoked).status()).toBe(200);
    await expect(tokenRow.getByRole("button", { name: `Revoke ${tokenName}` })).toHaveCount(0);
    expect((await meStatus(secret)).status).toBe(401);

    // The audit log names each of these actions, by admin, newest first.
    await page.getByRole("tab", { name: "Audit log" }).click();
    const log = page.getByRole("table", { name: "Audit log" });
    const entry = (action: string, target: string) => log.getByTestId("audit-entry").filter({ hasText: action }).filter({ hasText: target }).first();
    for (const [action, target] of [
      ["POST /api/admin/users", name],
      ["PATCH /api/admin/users/{name}", name],
      ["POST /api/admin/tokens", tokenId],
      ["DELETE /api/admin/tokens/{id}", tokenId],
    ] as const) {
      await expect(entry(action, target)).toContainText("admin");
      await expect(entry(action, target)).toContainText("(session)");
    }
    // Newest first: the revocation sits above the user's creation.
    const rows = await log.getByTestId("audit-entry").allInnerTexts();
    const at = (action: string, target: string) => rows.findIndex((t) => t.includes(action) && t.includes(target));
    expect(at("DELETE /api/admin/tokens/{id}", tokenId)).toBeLessThan(at("POST /api/admin/users", name));
    // No secret ever reaches the log.
    await expect(log).not.toContainText(password);
    await expect(log).not.toContainText(secret);
  });

  test("resetting a password shows a new one once; the old one stops working", async ({ page }) => {
    const admin = FleetApi.withRole(base(), "admin");
    const name = `e2e-reset-${suffix()}`;
    const made = await admin.call<{ generatedPassword: string }>("POST", "/api/admin/users", { username: name, role: "viewer" });
    expect(made.status).toBe(201);
    await page.goto("/settings?tab=users");
    await page.getByRole("button", { name: `Reset password of ${name}` }).click();
    const reset = answered(page, "POST", `/api/admin/users/${name}/password`);
    await page.getByRole("dialog", { name: `Reset the password of ${name}?` }).getByRole("button", { name: "Reset password" }).click();
    expect((await reset).status()).toBe(200);
    const fresh = await page.getByRole("region", { name: `New password of ${name}` }).getByTestId("secret-value").inputValue();
    expect(fresh).not.toBe(made.json.generatedPassword);
    expect(await signInStatus(name, made.json.generatedPassword)).toBe(401);
    expect(await signInStatus(name, fresh)).toBe(200);
  });
});

test.describe("the admin API refuses viewers and operators", () => {
  const adminRoutes = routeEntries().filter((r) => r.path.startsWith("/api/admin/"));

  test("every /api/admin route answers 403 to a viewer and an operator token, and changes nothing", async () => {
    expect(adminRoutes.length).toBeGreaterThanOrEqual(8);
    const admin = FleetApi.withRole(base(), "admin");
    const victim = `e2e-victim-${suffix()}`;
    expect((await admin.call("POST", "/api/admin/users", { username: victim, role: "viewer" })).status).toBe(201);
    const before = await admin.call<AdminUser[]>("GET", "/api/admin/users");
    const tokensBefore = await admin.call<unknown[]>("GET", "/api/admin/tokens");

    // Valid bodies: only the role stands between these callers and the change.
    const bodies: Record<string, unknown> = {
      "POST /api/admin/users": { username: `e2e-intruder-${suffix()}`, role: "admin", password: "intruder-password" },
      "PATCH /api/admin/users/{name}": { role: "admin" },
      "POST /api/admin/users/{name}/password": { password: "intruder-password" },
      "POST /api/admin/tokens": { name: "intruder", role: "admin" },
    };
    for (const role of ["viewer", "operator"] as const) {
      const api = FleetApi.withRole(base(), role);
      for (const r of adminRoutes) {
        const url = r.path.replace("{name}", victim).replace("{id}", "nosuchtoken");
        const res = await api.call<{ error: { code: string } }>(r.method, url, bodies[r.key]);
        expect(res.status, `${role} ${r.key}`).toBe(403);
        expect(res.json.error.code, `${role} ${r.key}`).toBe("forbidden");
      }
    }
    expect((await admin.call<AdminUser[]>("GET", "/api/admin/users")).json).toEqual(before.json);
    // Only the tokens this test made for its callers were added.
    expect((await admin.call<unknown[]>("GET", "/api/admin/tokens")).json.length).toBe(tokensBefore.json.length + 2);
    expect(await signInStatus(victim, "intruder-password")).toBe(401);

    // The refused attempts are in the audit log, with their 403.
    const audit = await admin.call<AuditEntry[]>("GET", "/api/admin/audit?limit=50");
    expect(audit.json.some((e) => e.action === "PATCH /api/admin/users/{name}" && e.target === null && e.status === 403 && e.actorKind === "token")).toBe(true);
  });
});
