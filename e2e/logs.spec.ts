import { expect, test, type Page } from "@playwright/test";
import crypto from "node:crypto";
import { existsSync, renameSync, rmSync } from "node:fs";
import path from "node:path";
import { docker, labContainer } from "./lab";
import { BEHAVIOUR_DEADLINE_MS, measurePromise } from "../tests/promise";

const GENERIC = "http://localhost:8009";
const MEDIA = "http://localhost:8010";

const logs = (page: Page) => page.getByRole("region", { name: "Logs" });
const rows = (page: Page) => logs(page).getByRole("row");
const connection = (page: Page) => logs(page).getByTestId("log-connection");
const mark = () => `e2e${crypto.randomBytes(5).toString("hex")}`;

/** A client request through a worker, tagged so its access line is ours alone. */
async function request(base: string, path: string, tag: string): Promise<number> {
  const res = await fetch(`${base}${path}?fleet=${tag}`);
  return res.status;
}

/** A password login as a user that does not exist: 403, and a WARNING line naming the user. */
async function failedLogin(base: string, user: string): Promise<number> {
  const res = await fetch(`${base}/_matrix/client/v3/login`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ type: "m.login.password", identifier: { type: "m.id.user", user }, password: "not-a-password" }),
  });
  return res.status;
}

async function openWorkerLogs(page: Page, name: string) {
  await page.goto(`/workers/${name}?tab=logs`);
  await expect(page.getByRole("tab", { name: "Logs" })).toHaveAttribute("aria-selected", "true");
  await expect(connection(page)).toHaveText("Live", { timeout: 15_000 });
}

/** Every rendered row's value of one data attribute. */
const attrs = (page: Page, name: string) => rows(page).evaluateAll((els, n) => els.map((e) => e.getAttribute(n) ?? ""), name);

test.describe("logs", () => {
  test("a client request through generic_worker1 shows its access line within 2 s", async ({ page }) => {
    await openWorkerLogs(page, "generic_worker1");
    const tag = mark();
    const line = rows(page).filter({ hasText: `fleet=${tag}` });
    await measurePromise("a request's access line in the log viewer", 2_000, async () => {
      expect(await request(GENERIC, "/_matrix/client/versions", tag)).toBe(200);
      await expect(line).toHaveCount(1, { timeout: BEHAVIOUR_DEADLINE_MS });
    });
    await expect(line).toBeInViewport();
    await expect(line).toContainText("generic_worker1");
    await expect(line).toContainText("synapse.access.http.8009");
    await expect(line.getByText("INFO", { exact: true })).toBeVisible();
  });

  test("regex and level filters narrow the received lines; an invalid regex says so", async ({ page }) => {
    await openWorkerLogs(page, "generic_worker1");
    const tag = mark();
    await request(GENERIC, "/_matrix/client/versions", tag);
    await expect(rows(page).filter({ hasText: `fleet=${tag}` })).toHaveCount(1, { timeout: 5_000 });

    await logs(page).getByRole("checkbox", { name: "Regex" }).check();
    await logs(page).getByRole("textbox", { name: "Filter" }).fill(`versions\\?fleet=${tag.slice(0, 9)}[0-9a-f]{4} `);
    await expect(rows(page)).toHaveCount(1);
    await expect(rows(page).first()).toContainText(tag);
    await expect(page).toHaveURL(/regex=1/);

    await logs(page).getByRole("textbox", { name: "Filter" }).fill("versions([");
    await expect(logs(page).getByRole("alert")).toContainText("Invalid regular expression");
    await expect(rows(page).filter({ hasText: `fleet=${tag}` })).toHaveCount(1); // the text filter is off, nothing crashed

    await logs(page).getByRole("textbox", { name: "Filter" }).fill("");
    // A WARNING line of our own, so the level filter has something to keep: Synapse warns about a
    // login as a user that does not exist, beside its INFO line about the request.
    expect(await failedLogin(GENERIC, tag)).toBe(403);
    const warning = rows(page).filter({ hasText: `Attempted to login as @${tag}:` });
    await expect(warning).toHaveCount(1, { timeout: 5_000 });
    await expect(rows(page).filter({ hasText: "Got login request" }).filter({ hasText: tag })).toHaveCount(1);

    await logs(page).getByRole("combobox", { name: "Level" }).selectOption("WARNING");
    await expect(page).toHaveURL(/level=WARNING/);
    await expect(rows(page).filter({ hasText: `fleet=${tag}` })).toHaveCount(0);
    await expect(rows(page).filter({ hasText: "Got login request" }).filter({ hasText: tag })).toHaveCount(0);
    await expect(warning).toHaveCount(1);
    await expect(warning).toHaveAttribute("data-level", "WARNING");
    // Every row that has a level (status rows have none) is WARNING or above, and there is at least ours.
    const levels = (await attrs(page, "data-level")).filter(Boolean);
    expect(levels.length).toBeGreaterThan(0);
    expect(levels).toContain("WARNING");
    expect(levels.filter((l) => !["WARNING", "ERROR", "CRITICAL"].includes(l))).toEqual([]);
  });

  test("a merged view of generic_worker1 and media_worker shows both in time order; a request id narrows to its lines", async ({ page }) => {
    await page.goto("/logs?workers=generic_worker1,media_worker");
    await expect(connection(page)).toHaveText("Live", { timeout: 15_000 });
    await expect(page.getByRole("button", { name: /Processes: generic_worker1, media_worker/ })).toBeVisible();
    const tag = mark();
    await request(GENERIC, "/_matrix/client/versions", tag);
    await request(MEDIA, "/_matrix/media/v3/config", tag);
    await request(GENERIC, "/_matrix/client/versions", tag);
    await logs(page).getByRole("textbox", { name: "Filter" }).fill(tag);
    // The media worker logs the refused request and its access line (same request id); the generic one two access lines.
    await expect(rows(page)).toHaveCount(4, { timeout: 5_000 });
    const workers = await attrs(page, "data-worker");
    expect(new Set(workers)).toEqual(new Set(["generic_worker1", "media_worker"]));
    const times = await attrs(page, "data-ts");
    expect([...times].sort()).toEqual(times);

    const mediaAccess = rows(page).filter({ hasText: "synapse.access.http.8010" });
    const id = (await mediaAccess.getAttribute("data-request"))!;
    expect(id).toMatch(/^GET-\d+$/);
    await mediaAccess.getByRole("button", { name: `Show only request ${id}` }).click();
    await expect(page).toHaveURL(new RegExp(`request=${id}`));
    await logs(page).getByRole("textbox", { name: "Filter" }).fill("");
    await expect(page).not.toHaveURL(/[?&]q=/);
    await expect(logs(page).getByRole("button", { name: `Remove request filter ${id}` })).toBeVisible();
    await expect(rows(page).filter({ hasText: tag })).toHaveCount(2);
    for (const r of await attrs(page, "data-request")) expect(r).toBe(id);
    await logs(page).getByRole("button", { name: `Remove request filter ${id}` }).click();
    await expect(rows(page).filter({ hasText: tag })).toHaveCount(4);
  });

  test("pause holds the view and counts new lines; jump to end shows them", async ({ page }) => {
    await openWorkerLogs(page, "generic_worker1");
    // "Live" is the stream's open, not its backlog: a line of ours shown means the tail before it is
    // in too, so what the counter counts after the pause is new.
    const before = mark();
    await request(GENERIC, "/_matrix/client/versions", before);
    await expect(rows(page).filter({ hasText: before })).toHaveCount(1, { timeout: 5_000 });
    await logs(page).getByRole("button", { name: "Pause" }).click();
    await expect(logs(page).getByRole("button", { name: "Follow" })).toBeVisible();
    const counter = logs(page).getByRole("status").filter({ hasText: "new lines" });
    await expect(counter).toHaveText("0 new lines");
    const tag = mark();
    await request(GENERIC, "/_matrix/client/versions", tag);
    await expect(counter).toHaveText(/^[1-9][\d,]* new lines$/, { timeout: 5_000 });
    await expect(rows(page).filter({ hasText: tag })).toHaveCount(0);
    await logs(page).getByRole("button", { name: "Jump to end" }).click();
    await expect(rows(page).filter({ hasText: tag })).toHaveCount(1);
    await expect(rows(page).filter({ hasText: tag })).toBeInViewport();
    await expect(logs(page).getByRole("button", { name: "Pause" })).toBeVisible();
    await expect(counter).toHaveCount(0);
  });

  test("scrolling up stops following and holds the view; follow returns to the newest line", async ({ page }) => {
    await page.setViewportSize({ width: 1280, height: 600 });
    await openWorkerLogs(page, "generic_worker1");
    // Enough lines of our own to scroll through, whatever the worker has logged so far.
    const tags = Array.from({ length: 60 }, mark);
    for (const t of tags) await request(GENERIC, "/_matrix/client/versions", t);
    const newest = rows(page).filter({ hasText: tags[tags.length - 1] });
    await expect(newest).toBeInViewport({ timeout: 5_000 });

    await logs(page).getByRole("table", { name: "Log lines" }).hover();
    await page.mouse.wheel(0, -2_000);
    await expect(logs(page).getByRole("button", { name: "Follow" })).toBeVisible();
    await expect(newest).not.toBeInViewport();
    const later = mark();
    await request(GENERIC, "/_matrix/client/versions", later);
    await expect(logs(page).getByRole("status").filter({ hasText: "new lines" })).toHaveText(/^[1-9][\d,]* new lines$/, { timeout: 5_000 });
    await expect(newest).not.toBeInViewport();

    await logs(page).getByRole("button", { name: "Follow" }).click();
    await expect(rows(page).filter({ hasText: later })).toBeInViewport();
  });

  // The lab's media worker logs to a file (lab/lab.sh: media_worker.log.config), which the viewer tails.
  test("media_worker's file log shows a request's line, and after a rotation the next one", async ({ page }) => {
    const configDir = process.env.SYNAPSE_CONFIG_DIR;
    expect(configDir, "SYNAPSE_CONFIG_DIR from `lab.sh env`").toMatch(/^\//);
    const file = path.join(configDir!, "logs", "media_worker.log");
    await openWorkerLogs(page, "media_worker");
    await logs(page).getByRole("textbox", { name: "Filter" }).fill("fleet=e2e");
    const before = mark();
    expect(await request(MEDIA, "/_matrix/client/versions", before)).toBe(200);
    const first = rows(page).filter({ hasText: before });
    await expect(first).toHaveCount(1, { timeout: 5_000 });
    await expect(first).toContainText("synapse.access.http.8010");
    await expect(first).toHaveAttribute("data-worker", "media_worker");

    // Rotated as logrotate does: renamed, then SIGHUP makes Synapse open a new file by the name.
    const old = `${file}.e2e-${process.pid}`;
    const hangUp = () => docker("kill", "-s", "HUP", labContainer("synapse-worker-media"));
    renameSync(file, old);
    try {
      hangUp();
      await expect.poll(() => existsSync(file), { timeout: 10_000 }).toBe(true);
      const after = mark();
      expect(await request(MEDIA, "/_matrix/client/versions", after)).toBe(200);
      await expect(rows(page).filter({ hasText: after })).toHaveCount(1, { timeout: 5_000 });
      await expect(first).toHaveCount(1); // nothing read twice across the rotation
      await expect(connection(page)).toHaveText("Live");
    } finally {
      hangUp(); // again, should the first have failed: Synapse must not go on writing to a deleted file
      rmSync(old, { force: true });
    }
  });

  test("restarting the worker keeps the stream going", async ({ page }) => {
    test.setTimeout(120_000);
    await openWorkerLogs(page, "generic_worker1");
    // Only our tagged lines in view: a restarting worker logs hundreds of lines, and a short list
    // keeps just the rows in view in the DOM.
    await logs(page).getByRole("textbox", { name: "Filter" }).fill("fleet=e2e");
    const before = mark();
    await request(GENERIC, "/_matrix/client/versions", before);
    await expect(rows(page).filter({ hasText: before })).toHaveCount(1, { timeout: 5_000 });

    docker("restart", labContainer("synapse-worker-generic"));
    const after = mark();
    await expect
      .poll(async () => request(GENERIC, "/_matrix/client/versions", after).catch(() => 0), { timeout: 60_000, intervals: [500] })
      .toBe(200);
    await expect(rows(page).filter({ hasText: after }).first()).toBeVisible({ timeout: 10_000 });
    // Nothing doubled by the re-attach: the earlier line is there once.
    await expect(rows(page).filter({ hasText: before })).toHaveCount(1);
    await expect(connection(page)).toHaveText("Live");
  });
});
