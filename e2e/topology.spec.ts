import { expect, test, type Page } from "@playwright/test";
import { docker, labContainer } from "./lab";
import { BEHAVIOUR_DEADLINE_MS, measurePromise } from "../tests/promise";

const card = (page: Page, name: string) => page.getByRole("article", { name, exact: true });

test.describe("topology", () => {
  test("shows main and the three workers healthy, each with its role", async ({ page }) => {
    await page.goto("/");
    const expected: Array<[string, string]> = [
      ["main", "Main process"],
      ["generic_worker1", "Generic worker"],
      ["media_worker", "Media worker"],
      ["federation_sender1", "Federation sender"],
    ];
    for (const [name, role] of expected) {
      await expect(card(page, name)).toContainText(role);
      await expect(card(page, name).getByTestId("health")).toHaveText("healthy", { timeout: 30_000 });
      await expect(card(page, name).getByTestId("state")).toContainText("running");
    }
    const writes = card(page, "generic_worker1").getByLabel("stream writer for");
    for (const stream of ["typing", "to_device", "account_data", "receipts", "presence"]) {
      await expect(writes).toContainText(stream);
    }
    await expect(page.getByRole("region", { name: "Media workers" })).toContainText("media_worker");
    await expect(page.getByRole("region", { name: "Federation senders" })).toContainText("federation_sender1");
    for (const svc of ["PostgreSQL", "Redis", "Prometheus"]) {
      await expect(page.getByRole("listitem", { name: svc })).toContainText("running");
    }
    await expect(page.getByTestId("docker-status")).toContainText("reachable");
    await expect(page.getByText("fleet.test").first()).toBeVisible();
  });

  test("a docker stop made outside the dashboard shows within 2 s; a start brings the worker back healthy", async ({ page }) => {
    const media = labContainer("synapse-worker-media");
    await page.goto("/");
    await expect(card(page, "media_worker").getByTestId("health")).toHaveText("healthy", { timeout: 30_000 });
    await expect(page.getByTestId("live-status")).toHaveText("Live");
    try {
      docker("stop", media);
      await measurePromise("a docker stop shown on the card", 2_000, async () => {
        await expect(card(page, "media_worker")).toHaveAttribute("data-state", "exited", { timeout: BEHAVIOUR_DEADLINE_MS });
        await expect(card(page, "media_worker").getByTestId("health")).toHaveText("stopped", { timeout: BEHAVIOUR_DEADLINE_MS });
      });
    } finally {
      docker("start", media);
    }
    await expect(card(page, "media_worker")).toHaveAttribute("data-state", "running", { timeout: 5_000 });
    await expect(card(page, "media_worker").getByTestId("health")).toHaveText("healthy", { timeout: 30_000 });
  });

  test("shows the lab's nginx entrypoint, running, and the routes its config file gives", async ({ page }) => {
    await page.goto("/");
    const lb = page.getByRole("region", { name: "Load balancer routes" });
    const entry = lb.getByRole("group", { name: "Load balancer lb" }); // the compose service
    await expect(entry).toContainText("nginx");
    await expect(entry).toContainText("running");
    const route = (rule: string) => lb.getByRole("listitem").filter({ has: page.getByText(rule, { exact: true }) });
    await expect(route("location ~ ^/_matrix/client")).toContainText("generic_worker1");
    await expect(route("location ~ ^/_matrix/media")).toContainText("media_worker");
    await expect(route("location /")).toContainText("main");
  });

  test("signing out ends the session", async ({ page, context }) => {
    // Its own session, so the shared one of the other tests survives.
    await context.clearCookies();
    await page.goto("/login");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(process.env.FLEET_E2E_PASSWORD!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("heading", { name: "Topology" })).toBeVisible();
    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login/);
    const res = await page.request.get("/api/topology");
    expect(res.status()).toBe(401);
    expect((await context.cookies()).find((c) => c.name === "fleet_session")).toBeUndefined();
  });

  test("a sign-out the server refuses says so, and the session stays", async ({ page }) => {
    // The server never sees this request (the shared session survives); the page must not pretend it was signed out.
    await page.route("**/api/auth/logout", (route) => route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "The database is not reachable" } } }));
    await page.goto("/");
    const signOut = page.getByRole("button", { name: "Sign out" });
    // Only a hydrated button reads the answer; before hydration the form would post natively.
    await expect.poll(() => signOut.evaluate((el) => Object.keys(el).some((k) => k.startsWith("__reactProps")))).toBe(true);
    await signOut.click();
    await expect(page.getByRole("navigation", { name: "Screens" }).getByRole("alert")).toContainText("Sign-out failed: The database is not reachable");
    expect(new URL(page.url()).pathname).toBe("/");
    expect((await page.request.get("/api/auth/me")).status()).toBe(200);
  });
});

test.describe("sign-in page", () => {
  test.use({ storageState: { cookies: [], origins: [] } });

  test("an anonymous visit goes to the sign-in page", async ({ page }) => {
    await page.goto("/");
    await expect(page).toHaveURL(/\/login/);
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
  });

  test("a signed-out deep link comes back after signing in, query and all", async ({ page }) => {
    await page.goto("/metrics?range=6h&workers=main");
    await expect(page).toHaveURL(/\/login\?next=/);
    expect(new URL(page.url()).searchParams.get("next")).toBe("/metrics?range=6h&workers=main");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(process.env.FLEET_E2E_PASSWORD!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL((u) => u.pathname === "/metrics");
    const url = new URL(page.url());
    expect(url.searchParams.get("range")).toBe("6h");
    expect(url.searchParams.get("workers")).toBe("main");
  });

  test("a wrong password is refused with a message and no session", async ({ page }) => {
    await page.goto("/login");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("definitely-not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page.getByRole("main").getByRole("alert")).toContainText(/invalid|incorrect/i);
    expect((await page.context().cookies()).find((c) => c.name === "fleet_session")).toBeUndefined();
  });

  test("without JavaScript, signs in and out through the forms", async ({ browser, baseURL }) => {
    // What a click before hydration meets: plain forms, answered by the server with 303s.
    const context = await browser.newContext({ baseURL, javaScriptEnabled: false, storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    const session = async () => (await context.cookies()).find((c) => c.name === "fleet_session");
    await page.goto("/login?next=%2Fhistory");
    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill("definitely-not-the-password");
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/login\?error=invalid&next=%2Fhistory$/);
    await expect(page.getByRole("main").getByRole("alert")).toHaveText("Invalid username or password.");
    expect(await session()).toBeUndefined();

    await page.getByLabel("Username").fill("admin");
    await page.getByLabel("Password").fill(process.env.FLEET_E2E_PASSWORD!);
    await page.getByRole("button", { name: "Sign in" }).click();
    await expect(page).toHaveURL(/\/history$/);
    await expect(page.getByRole("link", { name: "History" })).toHaveAttribute("aria-current", "page");
    await expect(page.getByTestId("current-user")).toHaveText("admin");
    expect(await session()).toBeDefined();

    await page.getByRole("button", { name: "Sign out" }).click();
    await expect(page).toHaveURL(/\/login$/);
    await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
    expect(await session()).toBeUndefined();
    expect((await page.request.get("/api/topology")).status()).toBe(401);
    await context.close();
  });
});
