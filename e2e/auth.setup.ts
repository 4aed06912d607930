import { expect, test as setup } from "@playwright/test";

setup("admin signs in and the session is kept for the other tests", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/login/);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(process.env.FLEET_E2E_PASSWORD!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: "Topology" })).toBeVisible();
  await page.context().storageState({ path: "e2e/.auth/admin.json" });
});
