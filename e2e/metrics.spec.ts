import { expect, test, type Page } from "@playwright/test";
import type { PanelData } from "@/lib/contract/metrics";

// The lab publishes the generic worker's client listener on the host (it runs no Traefik):
// requests sent here are counted by generic_worker1's synapse_http_server_requests_received_total.
const GENERIC = "http://localhost:8009";
const PROMETHEUS = process.env.FLEET_PROMETHEUS_URL ?? "http://localhost:9090";

const panel = (page: Page, id: string) => page.getByTestId(`panel-${id}`);
const panelUrl = (id: string) => (url: URL) => url.pathname === `/api/metrics/${id}`;

/** Page errors (uncaught exceptions) of a test: a screen that "does not crash" has none. */
function collectPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  return errors;
}

async function sendClientRequests(n: number): Promise<void> {
  const statuses = await Promise.all(Array.from({ length: n }, () => fetch(`${GENERIC}/_matrix/client/versions`).then((r) => r.status)));
  expect(statuses.every((s) => s === 200)).toBe(true);
}

test.describe("metrics", () => {
  test("client requests through generic_worker1 reach its requests panel, drawn as a line", async ({ page }) => {
    const errors = collectPageErrors(page);
    const sentAt = Date.now() / 1000;
    await sendClientRequests(40);
    // Prometheus scrapes every 5 s: wait until the API sees a non-zero rate after our requests.
    await expect
      .poll(
        async () => {
          const res = await page.request.get("/api/metrics/requests?range=15m&workers=generic_worker1");
          const data = (await res.json()) as PanelData;
          return data.series.some((s) => s.points.some(([t, v]) => t >= sentAt - 5 && v > 0));
        },
        { timeout: 45_000, intervals: [2_000] },
      )
      .toBe(true);

    await page.goto("/metrics?range=15m&workers=generic_worker1");
    const requests = panel(page, "requests");
    await expect(requests).toHaveAttribute("data-state", "ready", { timeout: 20_000 });
    expect(Number(await requests.getAttribute("data-series-count"))).toBeGreaterThanOrEqual(1);
    await expect(requests.getByRole("img")).toHaveAttribute("aria-label", /Client requests over the last 15 minutes, latest: generic_worker1/);
    // Every legend entry names the chosen worker, and the line has at least two points.
    const legend = requests.getByRole("list", { name: "Client requests series" }).getByRole("button");
    for (const name of await legend.allTextContents()) expect(name).toContain("generic_worker1");
    const curves = requests.locator("path.recharts-line-curve");
    await expect(curves.first()).toHaveAttribute("d", /^M[\d.]+,[\d.]+L[\d.]+,[\d.]+/);

    // A legend entry hides its line and shows it again.
    const lines = await curves.count();
    await legend.first().click();
    await expect(legend.first()).toHaveAttribute("aria-pressed", "false");
    await expect(curves).toHaveCount(lines - 1);
    await legend.first().click();
    await expect(curves).toHaveCount(lines);

    // The render benchmark's marks: data arrival, then drawn two frames later.
    const marks = await page.evaluate(() => ({
      data: performance.getEntriesByName("metrics:data:requests").at(-1)?.startTime ?? null,
      drawn: performance.getEntriesByName("metrics:drawn:requests").at(-1)?.startTime ?? null,
    }));
    expect(marks.data).not.toBeNull();
    expect(marks.drawn).not.toBeNull();
    expect(marks.drawn!).toBeGreaterThanOrEqual(marks.data!);
    expect(errors).toEqual([]);
  });

  test("a deep link restores the range and the processes; the controls write them back", async ({ page }) => {
    const first = page.waitForRequest((r) => r.url().includes("/api/metrics/requests?"));
    await page.goto("/metrics?range=6h&workers=main,generic_worker1");
    const sent = new URL((await first).url());
    expect(sent.searchParams.get("range")).toBe("6h");
    expect(sent.searchParams.get("workers")?.split(",").sort()).toEqual(["generic_worker1", "main"]);
    expect(Number(sent.searchParams.get("width"))).toBeGreaterThanOrEqual(100);

    const ranges = page.getByRole("radiogroup", { name: "Range" });
    await expect(ranges.getByRole("radio", { name: "6h" })).toHaveAttribute("aria-checked", "true");
    await expect(ranges.getByRole("radio", { checked: true })).toHaveCount(1);
    await page.getByRole("button", { name: /^Processes:/ }).click();
    const options = page.getByRole("listbox", { name: "Processes" });
    await expect(options.getByRole("option", { name: /^main/ })).toHaveAttribute("aria-selected", "true");
    await expect(options.getByRole("option", { name: /^generic_worker1/ })).toHaveAttribute("aria-selected", "true");
    await expect(options.getByRole("option", { name: /^media_worker/ })).toHaveAttribute("aria-selected", "false");
    await page.keyboard.press("Escape");

    await expect(panel(page, "requests")).toHaveAttribute("data-state", /ready|empty/, { timeout: 20_000 });
    await ranges.getByRole("radio", { name: "1h" }).click();
    await expect(page).toHaveURL(/[?&]range=1h(&|$)/);
    await expect(page).toHaveURL(/[?&]workers=main,generic_worker1(&|$)/);
    await page.reload();
    await expect(page.getByRole("radiogroup", { name: "Range" }).getByRole("radio", { name: "1h" })).toHaveAttribute("aria-checked", "true");
  });

  test("unknown panels, workers, ranges and Prometheus refusals are shown in place, and nothing crashes", async ({ page }) => {
    const errors = collectPageErrors(page);
    // A panel this dashboard does not know (as after a downgrade) is listed beside the real ones.
    await page.route((url) => url.pathname === "/api/metrics", async (route) => {
      const res = await route.fetch();
      const body = await res.json();
      body.panels.push({ id: "no-such-panel", title: "Gone panel", unit: "furlongs", description: "not served" });
      await route.fulfill({ response: res, json: body });
    });
    // Prometheus answers per reason, as the API relays them.
    await page.route(panelUrl("errors"), (route) =>
      route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "Prometheus at http://localhost:9090 refused the connection", details: { reason: "unreachable" } } } }),
    );
    await page.route(panelUrl("latency"), (route) =>
      route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "No Prometheus is configured", details: { reason: "not_configured" } } } }),
    );
    await page.route(panelUrl("cpu"), (route) =>
      route.fulfill({ status: 503, json: { error: { code: "unavailable", message: "Prometheus refused the query (bad_data): parse error", details: { reason: "bad_query", query: "rate(x[" } } } }),
    );

    await page.goto("/metrics?range=2y&workers=generic_worker1,no_such_worker");
    await expect(page.getByRole("radiogroup", { name: "Range" }).getByRole("radio", { name: "1h" })).toHaveAttribute("aria-checked", "true");
    await expect(page.getByRole("status").filter({ hasText: "Not in this deployment" })).toContainText("no_such_worker");
    const gone = panel(page, "no-such-panel");
    await expect(gone).toHaveAttribute("data-state", "unavailable", { timeout: 20_000 });
    await expect(gone).toContainText("no-such-panel");
    await expect(panel(page, "errors")).toHaveAttribute("data-state", "unavailable");
    await expect(panel(page, "errors")).toContainText(`Is Prometheus running at ${PROMETHEUS}`);
    await expect(panel(page, "latency")).toContainText("FLEET_PROMETHEUS_URL");
    await expect(panel(page, "cpu")).toContainText("rate(x[");
    // The other panels are unaffected.
    await expect(panel(page, "requests")).toHaveAttribute("data-state", "ready", { timeout: 20_000 });
    await expect(panel(page, "memory")).toHaveAttribute("data-state", "ready");
    expect(errors).toEqual([]);
  });

  test("the topology header says where metrics come from; a worker's Overview has its panels and network rates", async ({ page }) => {
    await page.goto("/");
    await expect(page.getByTestId("prometheus-source")).toContainText(PROMETHEUS);

    await page.goto("/workers/generic_worker1");
    await expect(page.getByText("Network received")).toBeVisible();
    await expect(page.getByText("Network sent")).toBeVisible();
    for (const id of ["requests", "latency", "cpu", "memory"]) {
      await expect(panel(page, id)).toHaveAttribute("data-state", "ready", { timeout: 20_000 });
      const legend = await panel(page, id).getByRole("list").getByRole("button").allTextContents();
      expect(legend.length).toBeGreaterThanOrEqual(1);
      for (const name of legend) expect(name).toContain("generic_worker1");
    }
  });
});
