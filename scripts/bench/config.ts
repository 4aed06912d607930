/**
 * Benchmark: the config editor. Side by side in one run:
 *   1. validation per keystroke in chromium (the validator bundled as the page gets it) over the
 *      lab's files and those of a one_of_each preset, beside a bare `parseDocument` of the same files;
 *   2. keystroke → lint marker in the real Config screen (against the debounce + 50 ms);
 *   3. a worker-file save through the API until the worker is healthy, beside a bare
 *      `docker restart` of the same container + /health (the file's comment line is put back each round).
 * Knobs: BENCH_CONFIG_N (rounds of 2 and 3, default 3), BENCH_CONFIG_KEYS (validations in 1, default 200).
 */
import { build } from "esbuild";
import fs from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { chromium } from "@playwright/test";
import { labSnapshot, singleSnapshot } from "@/lib/synapse/fixtures/lab";
import { planIntent } from "@/lib/synapse/plan";
import { applyFileChanges } from "@/lib/synapse/plan-draft";
import type { Operation } from "@/lib/synapse/plan-schema";
import { envInt, fmtMs, log, onCleanup, randomHex, ROOT, runMain, sleep, startServer, stats, timeMs } from "./lib";

const ROUNDS = envInt("BENCH_CONFIG_N", 3, 1, 20);
const KEYS = envInt("BENCH_CONFIG_KEYS", 200, 20, 5000);
const DEBOUNCE_MS = 150;
const GW = "workers/generic_worker1.yaml";
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

async function validatorBundle(): Promise<string> {
  const entry = path.join(ROOT, "scripts/bench/.config-entry.ts");
  fs.writeFileSync(entry, 'import { parseDocument } from "yaml";\nimport { validateDeployment } from "@/lib/synapse/rules";\n(globalThis as any).__bench = { parseDocument, validateDeployment };\n');
  try {
    const out = await build({ entryPoints: [entry], bundle: true, write: false, format: "iife", platform: "browser", alias: { "@": ROOT }, logLevel: "silent" });
    return out.outputFiles[0].text;
  } finally {
    fs.rmSync(entry, { force: true });
  }
}

function oneOfEachFiles(): Record<string, string> {
  const snapshot = singleSnapshot();
  const plan = planIntent({ kind: "preset", preset: "one_of_each" }, { snapshot });
  return applyFileChanges(snapshot.files, plan.files);
}

/** Per keystroke: homeserver.yaml gains one character, the whole set is validated; beside a bare parse of every file. */
async function keystrokes(browser: import("@playwright/test").Browser, bundle: string) {
  const page = await browser.newPage();
  await page.addScriptTag({ content: bundle });
  for (const [name, files] of [["lab", labSnapshot().files], ["one_of_each", oneOfEachFiles()]] as const) {
    const yamlFiles = Object.fromEntries(Object.entries(files).filter(([p]) => p.endsWith(".yaml")));
    const r = await page.evaluate(
      ({ files, keys }) => {
        const b = (globalThis as unknown as { __bench: { parseDocument: (t: string) => unknown; validateDeployment: (f: Record<string, string>) => unknown[] } }).__bench;
        const validate: number[] = [];
        const parse: number[] = [];
        let text = files["homeserver.yaml"];
        for (let i = 0; i < keys; i++) {
          text += i % 40 === 0 ? "\n#" : "x"; // typing at the end of a comment line
          const edited = { ...files, "homeserver.yaml": text };
          let t = performance.now();
          b.validateDeployment(edited);
          validate.push(performance.now() - t);
          t = performance.now();
          for (const v of Object.values(edited)) b.parseDocument(v);
          parse.push(performance.now() - t);
        }
        return { validate, parse };
      },
      { files: yamlFiles, keys: KEYS },
    );
    const v = stats(r.validate.slice(10));
    const p = stats(r.parse.slice(10));
    log(`validate per keystroke, ${name} (${Object.keys(yamlFiles).length} files): p50 ${fmtMs(v.p50)} ms  p95 ${fmtMs(v.p95)} ms | bare parseDocument p50 ${fmtMs(p.p50)} ms  p95 ${fmtMs(p.p95)} ms | ratio p95 ${(v.p95 / p.p95).toFixed(2)}× (targets: p95 ≤ 20 ms, ≤ 3×)`);
  }
  await page.close();
}

async function main() {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through npm run bench");
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  onCleanup("chromium", () => browser.close());
  await keystrokes(browser, await validatorBundle());

  const password = randomHex(18);
  const server = await startServer("config", { SYNAPSE_CONFIG_DIR: configDir }, [], "operator", { adminPassword: password });
  const original = fs.readFileSync(path.join(configDir, GW), "utf8");
  onCleanup("worker file", () => {
    if (fs.readFileSync(path.join(configDir, GW), "utf8") !== original) log(`warning: ${GW} differs from before the benchmark`);
  });

  // 2. keystroke → marker in the real screen.
  const page = await browser.newPage();
  await page.goto(`${server.url}/login`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  await page.goto(`${server.url}/config?file=${GW}`);
  const editor = page.getByRole("textbox", { name: `Edit ${GW}` });
  await editor.locator(".cm-line", { hasText: "names: [replication]" }).click();
  // Timed inside the page, from the keydown to the marker's element: no driver round trips.
  await page.evaluate(() => {
    const w = window as unknown as { __keyAt: number; __markAt: number };
    document.addEventListener("keydown", () => void (w.__keyAt = performance.now()), true);
    new MutationObserver(() => {
      if (!w.__markAt && document.querySelector(".cm-lintRange-error")) w.__markAt = performance.now();
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
  const markers: number[] = [];
  for (let i = 0; i < 10; i++) {
    await page.keyboard.press("End");
    await page.evaluate(() => void ((window as unknown as { __markAt: number }).__markAt = 0));
    await page.keyboard.press("Backspace"); // "names: [replication" — a YAML syntax error
    await editor.locator(".cm-lintRange-error").first().waitFor({ timeout: 5000 });
    markers.push(await page.evaluate(() => {
      const w = window as unknown as { __keyAt: number; __markAt: number };
      return w.__markAt - w.__keyAt;
    }));
    await page.keyboard.type("]");
    await editor.locator(".cm-lintRange-error").first().waitFor({ state: "detached", timeout: 5000 });
  }
  const m = stats(markers);
  log(`keystroke → marker: p50 ${fmtMs(m.p50)} ms  p95 ${fmtMs(m.p95)} ms (target ≤ debounce ${DEBOUNCE_MS} + 50 = ${DEBOUNCE_MS + 50} ms)`);
  await page.close();

  // 3. save → healthy, beside docker restart + /health.
  const docker = new Docker();
  const [container] = await docker.listContainers({ filters: { label: ["com.docker.compose.project=fleetlab", "com.docker.compose.service=synapse-worker-generic"] } });
  const api = async <T>(method: string, p: string, body?: unknown) => {
    const res = await fetch(server.url + p, { method, headers: { authorization: `Bearer ${server.token}`, "content-type": "application/json" }, body: body === undefined ? undefined : JSON.stringify(body) });
    const text = await res.text();
    if (!res.ok) throw new Error(`${method} ${p}: ${res.status} ${text.slice(0, 200)}`);
    return JSON.parse(text) as T;
  };
  const saveAndWait = async (content: string) => {
    const file = await api<{ version: string }>("GET", `/api/config/files/${GW}`);
    const { operationId } = await api<{ operationId: string }>("PUT", `/api/config/files/${GW}`, { content, baseVersion: file.version });
    for (;;) {
      const op = await api<Operation>("GET", `/api/operations/${operationId}`);
      if (op.status === "succeeded") return;
      if (op.status !== "applying") throw new Error(`save ${op.status}: ${op.error}`);
      await sleep(50);
    }
  };
  const healthy = async () => {
    for (;;) {
      const ok = await fetch("http://127.0.0.1:8009/health", { signal: AbortSignal.timeout(1000) }).then((r) => r.ok, () => false);
      if (ok) return;
      await sleep(50);
    }
  };
  const saves: number[] = [];
  const bare: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    saves.push(await timeMs(() => saveAndWait(`${original}# bench ${i}\n`)));
    await saveAndWait(original); // put back (not timed)
    bare.push(await timeMs(async () => {
      await docker.getContainer(container.Id).restart({ t: 10 });
      await healthy();
    }));
  }
  const s = stats(saves);
  const b = stats(bare);
  log(`worker-file save → healthy: p50 ${fmtMs(s.p50)} ms | bare docker restart + /health: p50 ${fmtMs(b.p50)} ms | overhead ${fmtMs(s.p50 - b.p50)} ms (target ≤ 1000 ms)`);
}

runMain(main);
