import { expect, test, type Page } from "@playwright/test";

/** Signs in as the e2e admin through the sign-in form and waits for the page `next` leads to. */
export async function signInAsAdmin(page: Page, next: string, heading: string): Promise<void> {
  await page.goto(`/login?next=${encodeURIComponent(next)}`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(process.env.FLEET_E2E_PASSWORD!);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { name: heading })).toBeVisible();
}

/** For a flow that must also run alone (--project=lifecycle --no-deps): no stored session, each test signs in. */
export function signInEachTest(next: string, heading: string): void {
  test.use({ storageState: { cookies: [], origins: [] } });
  test.beforeEach(({ page }) => signInAsAdmin(page, next, heading));
}
