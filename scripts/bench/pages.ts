/**
 * Benchmark: each console page's first-load JavaScript, from the production build (scripts/server.mjs
 * on .next), signed in as the admin, in Debian chromium.
 *
 * Measured in the browser, not from the build manifests: Turbopack spreads a page's chunks over
 * build-manifest.json (polyfills, root main files) and a per-route client-reference manifest whose
 * format is internal and changes between Next releases, and neither lists what a page pulls in
 * after hydration (next/dynamic, React.lazy). The browser fetches exactly what a user downloads.
 * Each page gets a fresh context (empty cache); every script response is kept until no new one has
 * arrived for SETTLE_MS. Sizes: decoded = the body's bytes; gzipped = that body through zlib at the
 * default level (what Next's compression sends), so the figure does not depend on the server's headers.
 * "initial" = scripts requested before the load event; "later" = after it (lazy chunks, e.g. recharts).
 *
 * Run through scripts/bench/run.sh (lab up, build present). Knobs: BENCH_PAGES_SETTLE_MS (1500).
 */
import zlib from "node:zlib";
import { chromium, type Browser, type BrowserContext } from "@playwright/test";
import { envInt, log, onCleanup, randomHex, runMain, sleep, startServer } from "./lib";

const SETTLE_MS = envInt("BENCH_PAGES_SETTLE_MS", 1500, 200, 10_000);
const PAGE_TIMEOUT_MS = 30_000;
const TOPOLOGY_TARGET_KIB = 200;
const ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** The pages, each with what must be on screen before its scripts are counted. */
const PAGES: Array<{ path: string; label: string; ready: string }> = [
  { path: "/", label: "topology", ready: "h1:text('Topology')" },
  { path: "/metrics", label: "metrics", ready: "[data-testid^='panel-']" },
  { path: "/workers/main", label: "worker (overview)", ready: "[role='tabpanel']" },
  { path: "/logs", label: "logs", ready: "main" },
  { path: "/config", label: "config", ready: "main" },
  { path: "/history", label: "history", ready: "main" },
  { path: "/diagnostics", label: "diagnostics", ready: "main" },
  { path: "/settings", label: "settings", ready: "main" },
  { path: "/login", label: "login (signed out)", ready: "form" },
];

interface Script {
  url: string;
  decoded: number;
  gzipped: number;
  later: boolean;
}

interface PageWeight {
  label: string;
  path: string;
  status: number;
  scripts: Script[];
}

const kib = (n: number) => (n / 1024).toFixed(1);
const sum = (xs: Script[], k: "decoded" | "gzipped") => xs.reduce((a, s) => a + s[k], 0);

async function weigh(context: BrowserContext, base: string, p: (typeof PAGES)[number]): Promise<PageWeight> {
  const page = await context.newPage();
  const scripts = new Map<string, Script>();
  const pending: Array<Promise<void>> = [];
  let loaded = false;
  let lastScriptAt = Date.now();
  page.on("response", (res) => {
    const req = res.request();
    if (req.resourceType() !== "script" || scripts.has(res.url())) return;
    const later = loaded;
    lastScriptAt = Date.now();
    pending.push(
      res.body().then(
        (body) => void scripts.set(res.url(), { url: res.url(), decoded: body.length, gzipped: zlib.gzipSync(body).length, later }),
        (err: Error) => log(`${p.path}: body of ${res.url()} unreadable: ${err.message}`),
      ),
    );
  });
  page.once("load", () => void (loaded = true));
  try {
    const res = await page.goto(base + p.path, { waitUntil: "load", timeout: PAGE_TIMEOUT_MS });
    const status = res?.status() ?? 0;
    await page.locator(p.ready).first().waitFor({ timeout: PAGE_TIMEOUT_MS }).catch(() => log(`${p.path}: "${p.ready}" did not show; counting what loaded`));
    // Lazy chunks (a chart drawn once its data arrives) come after the load event: wait for quiet.
    const deadline = Date.now() + PAGE_TIMEOUT_MS;
    while (Date.now() - lastScriptAt < SETTLE_MS && Date.now() < deadline) await sleep(100);
    await Promise.all(pending);
    return { label: p.label, path: p.path, status, scripts: [...scripts.values()] };
  } finally {
    await page.close();
  }
}

async function signedInState(browser: Browser, base: string, password: string) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await page.goto(`${base}/login`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/login"));
  const state = await context.storageState();
  await context.close();
  return state;
}

function report(weights: PageWeight[]): void {
  const line = "-".repeat(100);
  const out = [
    line,
    "First-load JS per page (production build, chromium, fresh cache; gzipped = zlib default level of each body)",
    line,
    `${"page".padEnd(22)}${"path".padEnd(16)}${"scripts".padStart(8)}${"gzip KiB".padStart(10)}${"decoded KiB".padStart(13)}${"initial gz".padStart(12)}${"later gz".padStart(10)}`,
    line,
  ];
  for (const w of weights) {
    const initial = w.scripts.filter((s) => !s.later);
    const later = w.scripts.filter((s) => s.later);
    const status = w.status === 200 ? "" : `   (HTTP ${w.status})`;
    out.push(
      `${w.label.padEnd(22)}${w.path.padEnd(16)}${String(w.scripts.length).padStart(8)}${kib(sum(w.scripts, "gzipped")).padStart(10)}${kib(sum(w.scripts, "decoded")).padStart(13)}${kib(sum(initial, "gzipped")).padStart(12)}${kib(sum(later, "gzipped")).padStart(10)}${status}`,
    );
  }
  out.push(line);
  const topo = weights.find((w) => w.path === "/");
  if (topo) {
    const gz = sum(topo.scripts, "gzipped") / 1024;
    const ratio = gz / TOPOLOGY_TARGET_KIB;
    out.push(`topology: ${gz.toFixed(1)} KiB gzipped / target ${TOPOLOGY_TARGET_KIB} KiB = ${ratio.toFixed(2)}x   ${ratio <= 1 ? "PASS" : "MISS"}`);
  }
  // The largest chunks say where weight comes from when a page grows.
  const all = new Map<string, Script>();
  for (const w of weights) for (const s of w.scripts) all.set(s.url.replace(/^https?:\/\/[^/]+/, ""), s);
  const top = [...all.entries()].sort((a, b) => b[1].gzipped - a[1].gzipped).slice(0, 8);
  out.push("largest chunks (gzip KiB · decoded KiB · pages that load it):");
  for (const [url, s] of top) {
    const on = weights.filter((w) => w.scripts.some((x) => x.url.endsWith(url))).map((w) => w.label);
    out.push(`  ${kib(s.gzipped).padStart(7)} ${kib(s.decoded).padStart(8)}  ${url}  (${on.join(", ")})`);
  }
  out.push(line);
  process.stdout.write(out.join("\n") + "\n");
}

runMain(async () => {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through scripts/bench/run.sh");
  const env: Record<string, string> = { SYNAPSE_CONFIG_DIR: configDir };
  if (process.env.FLEET_PROMETHEUS_URL) env.FLEET_PROMETHEUS_URL = process.env.FLEET_PROMETHEUS_URL;
  const password = randomHex(18);
  const server = await startServer("pages", env, [], "viewer", { adminPassword: password });
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ARGS });
  onCleanup("chromium", () => browser.close());
  const state = await signedInState(browser, server.url, password);

  const weights: PageWeight[] = [];
  for (const p of PAGES) {
    const context = await browser.newContext(p.path === "/login" ? {} : { storageState: state });
    try {
      weights.push(await weigh(context, server.url, p));
      log(`${p.path}: ${weights.at(-1)!.scripts.length} scripts`);
    } finally {
      await context.close();
    }
  }
  report(weights);
});
