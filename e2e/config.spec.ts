import { expect, test, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";

const CONFIG_DIR = process.env.SYNAPSE_CONFIG_DIR!;
const WORKER_FILE = "workers/generic_worker1.yaml";
const onDisk = (rel: string) => path.join(CONFIG_DIR, rel);
const read = (rel: string) => fs.readFileSync(onDisk(rel));

/**
 * The files these stories open or save, byte for byte: a story must leave them as it found them.
 * (Only these: other suites add and remove their own workers in the shared lab meanwhile.)
 */
function configBytes(): Record<string, string> {
  const rels = ["homeserver.yaml", WORKER_FILE, "log.config"];
  return Object.fromEntries(rels.map((r) => [r, crypto.createHash("sha256").update(read(r)).digest("hex")]));
}

/** Puts the file back if it still carries our marker; someone else's later write is theirs to undo. */
function putBack(rel: string, original: Buffer | string, marker: string) {
  if (read(rel).toString("utf8").includes(marker)) fs.writeFileSync(onDisk(rel), original);
}

const editor = (page: Page, file: string) => page.getByRole("textbox", { name: `Edit ${file}` });
const findings = (page: Page) => page.getByRole("region", { name: "Findings" });
const progress = (page: Page) => page.getByRole("region", { name: "Operation progress" });
const card = (page: Page, name: string) => page.getByRole("article", { name, exact: true });

async function openWorkerFileFromSidebar(page: Page) {
  await page.goto("/");
  await page.getByRole("navigation", { name: "Screens" }).getByRole("link", { name: "Config" }).click();
  await expect(page.getByRole("heading", { name: "Config", level: 1 })).toBeVisible();
  await page.getByRole("navigation", { name: "Config files" }).getByRole("link", { name: /generic_worker1/ }).click();
  await expect(page).toHaveURL(/\/config\?file=workers\/generic_worker1\.yaml/);
  await expect(editor(page, WORKER_FILE)).toContainText("worker_name: generic_worker1");
}

/** Adds a comment as the file's first line, through the keyboard. */
async function addFirstLine(page: Page, file: string, text: string) {
  await editor(page, file).click();
  await page.keyboard.press("ControlOrMeta+Home");
  await page.keyboard.type(`${text}\n`);
}

/** Saves with Ctrl/Cmd-S, checks the plan restarts generic_worker1 and shows the diff, confirms, and waits for success. */
async function saveWorkerFile(page: Page, diffLine: string) {
  await page.keyboard.press("ControlOrMeta+s");
  const dialog = page.getByRole("dialog", { name: `Save ${WORKER_FILE}` });
  await expect(dialog.getByTestId("plan")).toBeVisible({ timeout: 15_000 });
  await expect(dialog.getByRole("region", { name: "Restarts" })).toContainText("generic_worker1");
  await expect(dialog.getByRole("figure", { name: `Diff of ${WORKER_FILE}` })).toContainText(diffLine);
  await dialog.getByRole("button", { name: "Apply" }).click();
  await expect(progress(page).getByTestId("operation-status")).toHaveAttribute("data-status", "succeeded", { timeout: 120_000 });
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible({ timeout: 15_000 });
}

test.describe("config", () => {
  let before: Record<string, string>;
  test.beforeEach(() => {
    before = configBytes();
  });
  test.afterEach(() => {
    expect(configBytes()).toEqual(before);
  });

  test("a broken writer listener is marked on its line and listed; undo clears it", async ({ page }) => {
    await openWorkerFileFromSidebar(page);
    const ed = editor(page, WORKER_FILE);
    const expectedLine = read(WORKER_FILE).toString("utf8").split("\n").findIndex((l) => l.includes("names: [replication]")) + 1;
    expect(expectedLine).toBeGreaterThan(0);

    await ed.locator(".cm-line", { hasText: "names: [replication]" }).click();
    await page.keyboard.press("End");
    for (let i = 0; i < "replication]".length; i++) await page.keyboard.press("Backspace");
    await page.keyboard.type("client]");

    const marked = ed.locator(".cm-line", { hasText: "names: [client]" });
    await expect(marked.locator(".cm-lintRange-error")).toBeVisible();
    const entry = findings(page).getByRole("button", { name: /writer-replication-listener/ });
    await expect(entry).toBeVisible();
    await expect(entry.getByTestId("finding-line")).toHaveText(`line ${expectedLine}`);
    await expect(page.locator(".cm-lint-marker-error")).toHaveCount(1);
    await entry.click();
    await expect(ed).toBeFocused();

    for (let i = 0; i < 10 && !(await ed.innerText()).includes("names: [replication]"); i++) await page.keyboard.press("ControlOrMeta+z");
    await expect(ed).toContainText("names: [replication]");
    await expect(findings(page).getByRole("button", { name: /writer-replication-listener/ })).toHaveCount(0);
    await expect(ed.locator(".cm-lintRange-error")).toHaveCount(0);
    await expect(findings(page).getByTestId("findings-count")).toHaveText("none");
  });

  test("Ctrl/Cmd-S shows the plan; saving restarts generic_worker1 healthy; the file is put back the same way", async ({ page }) => {
    test.setTimeout(300_000);
    const original = read(WORKER_FILE).toString("utf8");
    const note = `# e2e note ${crypto.randomBytes(3).toString("hex")}`;
    try {
      await openWorkerFileFromSidebar(page);
      await addFirstLine(page, WORKER_FILE, note);
      await saveWorkerFile(page, note);
      expect(read(WORKER_FILE).toString("utf8")).toBe(`${note}\n${original}`);
      await page.goto("/");
      await expect(card(page, "generic_worker1").getByTestId("health")).toHaveText("healthy", { timeout: 60_000 });

      await page.goto(`/config?file=${WORKER_FILE}`);
      await expect(editor(page, WORKER_FILE)).toContainText(note);
      await editor(page, WORKER_FILE).click();
      await page.keyboard.press("ControlOrMeta+Home");
      await page.keyboard.press("Shift+ArrowDown");
      await page.keyboard.press("Delete");
      await saveWorkerFile(page, note);
      expect(read(WORKER_FILE).toString("utf8")).toBe(original);
      await page.goto("/");
      await expect(card(page, "generic_worker1").getByTestId("health")).toHaveText("healthy", { timeout: 60_000 });
    } finally {
      // A failed run must not leave the lab edited (the worker picks it up on its next restart).
      putBack(WORKER_FILE, original, note);
    }
  });

  test("a file changed on disk while open shows the merge view; discarding mine shows the disk's version", async ({ page }) => {
    const original = read(WORKER_FILE);
    const theirs = `# changed on disk by e2e ${crypto.randomBytes(3).toString("hex")}`;
    const mine = "# my edit, to be discarded";
    try {
      await page.goto(`/config?file=${WORKER_FILE}`);
      await expect(editor(page, WORKER_FILE)).toContainText("worker_name: generic_worker1");
      // Written in place, as root, like an operator's editor on the host: owner and mode stay.
      fs.writeFileSync(onDisk(WORKER_FILE), `${original.toString("utf8")}${theirs}\n`);
      await addFirstLine(page, WORKER_FILE, mine);
      await page.keyboard.press("ControlOrMeta+s");

      const merge = page.getByRole("region", { name: "Changed on disk" });
      await expect(merge).toBeVisible({ timeout: 15_000 });
      await expect(merge.getByRole("textbox", { name: `Theirs: ${WORKER_FILE} on disk now` })).toContainText(theirs);
      await expect(merge.getByRole("textbox", { name: `Yours: ${WORKER_FILE} as you edited it` })).toContainText(mine);
      await merge.getByRole("button", { name: "Discard mine" }).click();

      await expect(merge).toHaveCount(0);
      await expect(editor(page, WORKER_FILE)).toContainText(theirs);
      await expect(editor(page, WORKER_FILE)).not.toContainText(mine);
    } finally {
      putBack(WORKER_FILE, original, theirs);
    }
  });

  test("using mine on their version plans my edit against the disk's new version", async ({ page }) => {
    const original = read(WORKER_FILE);
    const theirs = `# changed on disk by e2e ${crypto.randomBytes(3).toString("hex")}`;
    const mine = "# my edit, kept";
    try {
      await page.goto(`/config?file=${WORKER_FILE}`);
      await expect(editor(page, WORKER_FILE)).toContainText("worker_name: generic_worker1");
      fs.writeFileSync(onDisk(WORKER_FILE), `${original.toString("utf8")}${theirs}\n`);
      await addFirstLine(page, WORKER_FILE, mine);
      await page.getByRole("button", { name: "Save…" }).click();
      const merge = page.getByRole("region", { name: "Changed on disk" });
      await expect(merge).toBeVisible({ timeout: 15_000 });
      fs.mkdirSync("/tmp/config-shots", { recursive: true });
      await page.screenshot({ path: "/tmp/config-shots/config-merge.png" });
      await merge.getByRole("button", { name: "Use mine on their version" }).click();

      // No second 409: the plan is made on their version, so its diff is theirs → mine.
      const dialog = page.getByRole("dialog", { name: `Save ${WORKER_FILE}` });
      const diff = dialog.getByRole("figure", { name: `Diff of ${WORKER_FILE}` });
      await expect(diff).toContainText(mine, { timeout: 15_000 });
      await expect(diff).toContainText(theirs);
      await dialog.getByRole("button", { name: "Cancel" }).click();
      await expect(dialog).toHaveCount(0);
      await expect(editor(page, WORKER_FILE)).toContainText(mine);
    } finally {
      putBack(WORKER_FILE, original, theirs);
    }
  });

  test("the card menu and the worker page open a process's own file", async ({ page }) => {
    await page.goto("/");
    await card(page, "generic_worker1").getByRole("button", { name: "Actions for generic_worker1" }).click();
    await page.getByRole("menuitem", { name: "Edit config" }).click();
    await expect(page).toHaveURL(/\/config\?file=workers\/generic_worker1\.yaml$/);
    await expect(editor(page, WORKER_FILE)).toContainText("worker_name: generic_worker1");

    await page.goto("/");
    await card(page, "main").getByRole("button", { name: "Actions for main" }).click();
    await page.getByRole("menuitem", { name: "Edit config" }).click();
    await expect(page).toHaveURL(/\/config\?file=homeserver\.yaml$/);
    await expect(editor(page, "homeserver.yaml")).toContainText("server_name");

    await page.goto("/workers/media_worker");
    await page.getByRole("tab", { name: "Config" }).click();
    await expect(page).toHaveURL(/tab=config/);
    await expect(page.getByRole("tabpanel")).toBeVisible();
    await expect(editor(page, "workers/media_worker.yaml")).toContainText("worker_name: media_worker");
  });

  test("homeserver.yaml shows «masked» for its secrets and never their values", async ({ page }) => {
    const secrets: string[] = [];
    const walk = (node: unknown, key = "") => {
      if (typeof node === "string" && /secret|password/i.test(key) && node.length >= 8) secrets.push(node);
      else if (node && typeof node === "object") for (const [k, v] of Object.entries(node)) walk(v, k);
    };
    walk(parse(read("homeserver.yaml").toString("utf8")));
    expect(secrets.length).toBeGreaterThanOrEqual(3);

    const bodies: string[] = [];
    page.on("response", async (res) => {
      if (res.url().includes("/api/config")) bodies.push(await res.text().catch(() => ""));
    });
    await page.goto("/config");
    const ed = editor(page, "homeserver.yaml");
    await expect(ed).toContainText(/registration_shared_secret: "?«masked»/);
    await expect(ed).toContainText(/macaroon_secret_key: "?«masked»/);
    const shown = await page.locator("body").innerText();
    for (const s of secrets) {
      expect(shown).not.toContain(s);
      for (const b of bodies) expect(b).not.toContain(s);
    }
    expect(bodies.length).toBeGreaterThan(0);
  });

  test("a viewer reads the editor read-only, with no Save", async ({ browser }) => {
    const name = `e2e-config-viewer-${crypto.randomBytes(3).toString("hex")}`;
    const password = crypto.randomBytes(18).toString("base64url");
    // tsx from node_modules, as `npm run fleet` runs it (npx would first look the package up).
    execFileSync(path.resolve(import.meta.dirname, "../node_modules/.bin/tsx"), ["--conditions=react-server", "scripts/fleet.ts", "user", "add", name, "--role", "viewer", "--password-stdin"], {
      input: `${password}\n`,
      env: { ...process.env, FLEET_DATA_DIR: process.env.FLEET_E2E_DATA_DIR },
      stdio: ["pipe", "ignore", "inherit"],
    });
    const context = await browser.newContext({ storageState: { cookies: [], origins: [] } });
    const page = await context.newPage();
    try {
      await page.goto("/login");
      await page.getByLabel("Username").fill(name);
      await page.getByLabel("Password").fill(password);
      await page.getByRole("button", { name: "Sign in" }).click();
      await expect(page.getByRole("heading", { name: "Topology" })).toBeVisible();

      await page.goto(`/config?file=${WORKER_FILE}`);
      const ed = page.getByRole("textbox", { name: `Contents of ${WORKER_FILE}` });
      await expect(ed).toHaveAttribute("aria-readonly", "true");
      await expect(page.getByTestId("read-only-note")).toContainText("viewers");
      await expect(page.getByRole("button", { name: /^Save/ })).toHaveCount(0);
      await ed.click();
      await page.keyboard.type("typed by a viewer");
      await expect(ed).not.toContainText("typed by a viewer");
    } finally {
      await context.close();
    }
  });

  test("CodeMirror loads on the config screens only", async ({ page }) => {
    const scripts: Array<{ url: string; body: string }> = [];
    page.on("response", async (res) => {
      if (res.request().resourceType() === "script") scripts.push({ url: res.url(), body: await res.text().catch(() => "") });
    });
    const codemirror = () => scripts.filter((s) => s.body.includes("cm-lintRange") || s.body.includes("cm-gutters"));
    await page.goto("/");
    await expect(card(page, "main")).toBeVisible();
    await page.goto("/logs");
    await expect(page.getByRole("heading", { name: "Logs" })).toBeVisible();
    await page.waitForLoadState("networkidle");
    expect(codemirror().map((s) => s.url)).toEqual([]);
    await page.goto(`/config?file=${WORKER_FILE}`);
    await expect(editor(page, WORKER_FILE)).toBeVisible();
    await expect.poll(() => codemirror().length).toBeGreaterThan(0);
  });

  for (const colorScheme of ["light", "dark"] as const) {
    test(`screenshot of the config screen, ${colorScheme}`, async ({ page }) => {
      await page.emulateMedia({ colorScheme });
      await page.setViewportSize({ width: 1400, height: 860 });
      await page.goto(`/config?file=${WORKER_FILE}`);
      const ed = editor(page, WORKER_FILE);
      await ed.locator(".cm-line", { hasText: "names: [replication]" }).click();
      await page.keyboard.press("End");
      for (let i = 0; i < "replication]".length; i++) await page.keyboard.press("Backspace");
      await page.keyboard.type("client]");
      await expect(findings(page).getByRole("button", { name: /writer-replication-listener/ })).toBeVisible();
      fs.mkdirSync("/tmp/config-shots", { recursive: true });
      await page.screenshot({ path: `/tmp/config-shots/config-${colorScheme}.png` });
      // Nothing was saved; the afterEach check confirms the disk is untouched.
    });
  }
});
