import { expect, test } from "@playwright/test";
import { mkdirSync } from "node:fs";
import { engineUp, labSynapseHealthy, startEngine, stopEngine } from "../tests/lab-env";

// Issue #11 §3 in the browser: dockerd stops for real while an operator has the topology open.
// The page says the engine is unreachable and keeps the processes as last seen, state unknown; an add is refused with that cause (503, not "Internal
// error"), and once dockerd is back the page recovers by itself: no reload, every card healthy.
// Stops the engine, so it is a flow (runs after the read-only specs) and puts the engine back.
test.describe.configure({ mode: "serial", timeout: 420_000 });

const SHOTS = "/tmp/shots-engine";

test.beforeAll(async () => {
  await labSynapseHealthy();
});

test.afterAll(async () => {
  // Whatever happened, the engine and the lab run again when this story ends.
  await startEngine();
  await labSynapseHealthy();
});

test("with dockerd stopped the page says so and refuses an add with the cause; when it is back the page recovers without a reload", async ({ page }) => {
  await page.goto("/");
  const cards = page.getByRole("article");
  await expect(cards).toHaveCount(4);
  for (const card of await cards.all()) await expect(card.getByTestId("health")).toHaveText("healthy", { timeout: 30_000 });
  // A reload would drop this mark: the recovery must come from the live stream, not from a new page.
  await page.evaluate(() => Object.assign(window, { fleetSamePage: true }));

  await stopEngine();
  const away = page.getByRole("alert").filter({ hasText: "this page reconnects by itself" });
  await expect(away).toBeVisible({ timeout: 30_000 });
  await expect(away).toContainText("Docker Engine is unreachable: connect ENOENT");
  // The deployment stays on screen as last seen, each process's state unknown: not vanished, not "missing".
  await expect(cards).toHaveCount(4);
  for (const card of await cards.all()) {
    await expect(card.getByTestId("state")).toContainText("unknown");
    await expect(card.getByTestId("health")).toHaveText("unknown");
  }
  await expect(page.getByText("no container runs it")).toHaveCount(0);
  mkdirSync(SHOTS, { recursive: true });
  for (const colorScheme of ["light", "dark"] as const) {
    await page.emulateMedia({ colorScheme });
    await page.screenshot({ path: `${SHOTS}/engine-away-${colorScheme}.png` });
  }

  // An operation cannot be planned without the engine: the operator is told why, nothing starts.
  await page.getByRole("group", { name: "Deployment actions" }).getByRole("button", { name: "Add worker", exact: true }).click();
  const refused = page.getByRole("alert").filter({ hasText: /^(No plan|Not started): / });
  await expect(refused).toContainText("Docker Engine is unreachable");
  await expect(refused).not.toContainText("Internal error");
  // What the page was told, asked the way the page asks (same origin, its session).
  const preview = await page.evaluate(async () => {
    const res = await fetch("/api/plans", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ intent: { kind: "add_worker", type: "generic" } }) });
    return { status: res.status, body: await res.json() };
  });
  expect(preview.status).toBe(503);
  expect(preview.body.error).toMatchObject({ code: "unavailable", details: { reason: "engine_unreachable" } });
  expect(engineUp()).toBe(false);

  await startEngine();
  await expect(away).toBeHidden({ timeout: 60_000 });
  await labSynapseHealthy();
  await expect(cards).toHaveCount(4);
  for (const card of await cards.all()) await expect(card.getByTestId("health")).toHaveText("healthy", { timeout: 60_000 });
  expect(await page.evaluate(() => (window as unknown as { fleetSamePage?: boolean }).fleetSamePage)).toBe(true);
});
