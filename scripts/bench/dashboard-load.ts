/**
 * Helpers of the benchmarks that load a dashboard with live clients (events.ts, viewers.ts): a
 * scripts/server.mjs against the lab, named API tokens in its database, Playwright's chromium signed in
 * as the admin, a plain-fetch Server-Sent Events reader, and the engine's own event stream.
 * Times are wall clock in milliseconds (`wallNow`), comparable with the engine's `timeNano` and
 * with `performance.timeOrigin + performance.now()` in a page on the same machine.
 */
import { execFile } from "node:child_process";
import fs from "node:fs";
import { performance } from "node:perf_hooks";
import type Docker from "dockerode";
import { chromium, type Browser, type BrowserContext, type Page } from "playwright-core";
import { onJsonLines } from "@/lib/docker/json-lines";
import { ROOT, log, onCleanup, startServer, withTimeout, type Server } from "./lib";

export const CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"];

/** Wall clock with sub-millisecond resolution (Date.now() has whole milliseconds). */
export const wallNow = (): number => performance.timeOrigin + performance.now();

/** A production dashboard on the running lab (its config dir and Prometheus), stopped by the cleanups. */
export function startLabDashboard(name: string, role: "viewer" | "operator", adminPassword: string): Promise<Server> {
  const configDir = process.env.SYNAPSE_CONFIG_DIR;
  if (!configDir) throw new Error("SYNAPSE_CONFIG_DIR is not set: run through scripts/bench/run.sh (it brings the lab up)");
  const env: Record<string, string> = { SYNAPSE_CONFIG_DIR: configDir };
  if (process.env.FLEET_PROMETHEUS_URL) env.FLEET_PROMETHEUS_URL = process.env.FLEET_PROMETHEUS_URL;
  return startServer(name, env, [], role, { adminPassword });
}

/**
 * The server's FLEET_DATA_DIR, read from its process environment: lib.ts's Server does not carry
 * it, and the CLI must write tokens into the same database.
 */
export function dataDirOf(server: Server): string {
  const environ = fs.readFileSync(`/proc/${server.pid}/environ`, "utf8").split("\0");
  const entry = environ.find((e) => e.startsWith("FLEET_DATA_DIR="));
  if (!entry) throw new Error(`server ${server.name} (pid ${server.pid}) has no FLEET_DATA_DIR`);
  return entry.slice("FLEET_DATA_DIR=".length);
}

/**
 * One API token per name, with the fleet CLI in `dataDir`'s database. Stream slots are counted
 * per token name, so distinct names give each group of clients its own slots. One at a time:
 * SQLite takes one writer.
 */
export async function createNamedTokens(dataDir: string, role: "viewer" | "operator", names: string[]): Promise<string[]> {
  if (names.length > 100) throw new Error("at most 100 tokens");
  const env: NodeJS.ProcessEnv = { ...process.env, FLEET_DATA_DIR: dataDir };
  delete env.DATABASE_URL;
  const tokens: string[] = [];
  for (const name of names) {
    const out = await new Promise<string>((resolve, reject) =>
      execFile(
        "npx",
        ["tsx", "--conditions=react-server", "scripts/fleet.ts", "token", "create", "--role", role, "--name", name],
        { cwd: ROOT, env, timeout: 120_000, killSignal: "SIGKILL" },
        (err, stdout, stderr) => (err ? reject(new Error(`token create ${name}: ${err.message}\n${stderr}`)) : resolve(stdout)),
      ),
    );
    const token = out.trim().split("\n").pop()?.trim() ?? "";
    if (!/^sf_\S+$/.test(token)) throw new Error(`token create ${name} printed no sf_ token on its last line`);
    tokens.push(token);
  }
  return tokens;
}

/** Playwright's chromium (Debian's binary) with one context holding the admin's session cookie. */
export async function openSignedInChromium(server: Server, adminPassword: string): Promise<{ browser: Browser; context: BrowserContext }> {
  const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: CHROMIUM_ARGS, timeout: 60_000 });
  onCleanup("chromium", () => browser.close());
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const res = await context.request.post(`${server.url}/api/auth/login`, {
    data: { username: "admin", password: adminPassword },
    headers: { origin: server.url },
    timeout: 30_000,
  });
  if (!res.ok()) throw new Error(`sign-in as admin: HTTP ${res.status()} ${(await res.text()).slice(0, 200)}`);
  return { browser, context };
}

// --------------------------------------------------------- topology pages ----

/** A change of a process card seen in the page: its data-state (null: no card), wall-clock ms. */
export interface CardChange {
  state: string | null;
  t: number;
}

/**
 * Installs in a topology page a recorder of one process card: every change of its data-state,
 * its appearance and its removal, each with the time a MutationObserver saw it. Source text, not a
 * function: tsx rewrites functions with helpers the page does not have.
 */
export async function trackCard(page: Page, name: string): Promise<void> {
  await page.evaluate(`(() => {
    const name = ${JSON.stringify(name)};
    const box = (window.__benchCards ??= {});
    const rec = (box[name] = { records: [], waiters: [] });
    const card = () => document.querySelector('article[aria-label="' + CSS.escape(name) + '"]');
    let last = card()?.getAttribute("data-state") ?? null;
    new MutationObserver(() => {
      const state = card()?.getAttribute("data-state") ?? null;
      if (state === last) return;
      last = state;
      const r = { state, t: performance.timeOrigin + performance.now() };
      rec.records.push(r);
      if (rec.records.length > 10000) rec.records.shift();
      for (let i = rec.waiters.length - 1; i >= 0; i--) {
        if (rec.waiters[i].state === state && r.t >= rec.waiters[i].after) rec.waiters.splice(i, 1)[0].resolve(r);
      }
    }).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ["data-state"] });
  })()`);
}

/** The first change of the tracked card to `state` at or after `after` (wall ms); null after `timeoutMs`. */
export async function cardChange(page: Page, name: string, state: string, after: number, timeoutMs: number): Promise<number | null> {
  const rec = await page.evaluate<CardChange | null>(`(() => {
    const rec = window.__benchCards[${JSON.stringify(name)}];
    const hit = rec.records.find((r) => r.state === ${JSON.stringify(state)} && r.t >= ${after});
    if (hit) return hit;
    return new Promise((resolve) => {
      const waiter = { state: ${JSON.stringify(state)}, after: ${after}, resolve };
      rec.waiters.push(waiter);
      setTimeout(() => {
        const i = rec.waiters.indexOf(waiter);
        if (i >= 0) rec.waiters.splice(i, 1)[0].resolve(null);
      }, ${timeoutMs});
    });
  })()`);
  return rec?.t ?? null;
}

/** Every change of the tracked card recorded so far (the latest 10,000). */
export function cardHistory(page: Page, name: string): Promise<CardChange[]> {
  return page.evaluate<CardChange[]>(`window.__benchCards[${JSON.stringify(name)}].records`);
}

/** The process cards the page shows now, by name. */
export function cardNames(page: Page): Promise<string[]> {
  return page.evaluate<string[]>(`[...document.querySelectorAll("article[aria-label]")].map((a) => a.getAttribute("aria-label"))`);
}

/** Waits until the page says its event stream is live (the header's live status). */
export async function waitLive(page: Page): Promise<void> {
  await page.locator('[data-testid="live-status"]', { hasText: "Live" }).waitFor({ timeout: 60_000 });
}

// ---------------------------------------------------------------------- SSE ----

export interface SseEvent {
  event: string;
  data: string;
  id: string | null;
  /** Wall-clock ms when the event's last byte was read. */
  at: number;
}

export interface SseStream {
  /** Resolves once the response headers arrived with 200 (the server has subscribed us). */
  opened: Promise<void>;
  /** Set when the stream ended or failed before `close()`: the cause. */
  failure(): string | null;
  close(): Promise<void>;
}

/** Longest event the reader accepts: a frame beyond it is a broken stream, not data. */
const MAX_EVENT_CHARS = 4 << 20;

/**
 * Reads a Server-Sent Events response with plain fetch, as a script would; `onEvent` gets every
 * event (comments and pings are skipped). Bearer token authentication.
 */
export function openSse(url: string, token: string, onEvent: (e: SseEvent) => void): SseStream {
  const ctrl = new AbortController();
  let failure: string | null = null;
  let markOpened: () => void = () => {};
  let markFailed: (err: Error) => void = () => {};
  const opened = new Promise<void>((resolve, reject) => ((markOpened = resolve), (markFailed = reject)));
  opened.catch(() => undefined); // a failure is also kept in `failure()`
  const reading = (async () => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: "text/event-stream" }, signal: ctrl.signal });
    if (!res.ok || !res.body) throw new Error(`HTTP ${res.status} ${(await res.text()).slice(0, 200)}`);
    markOpened();
    const decoder = new TextDecoder();
    let buf = "";
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buf += decoder.decode(chunk, { stream: true });
      const at = wallNow();
      let end: number;
      while ((end = buf.indexOf("\n\n")) >= 0) {
        const block = buf.slice(0, end);
        buf = buf.slice(end + 2);
        const e = parseBlock(block, at);
        if (e) onEvent(e);
      }
      if (buf.length > MAX_EVENT_CHARS) throw new Error(`an event longer than ${MAX_EVENT_CHARS} characters`);
    }
    throw new Error("the server ended the stream");
  })().catch((err: Error) => {
    if (ctrl.signal.aborted) return;
    failure = err.message;
    markFailed(err);
  });
  const close = async () => {
    ctrl.abort();
    await withTimeout(reading, 5000, `SSE ${url} to close`).catch((err: Error) => log(err.message));
  };
  onCleanup(`SSE ${url}`, close);
  return { opened, failure: () => failure, close };
}

function parseBlock(block: string, at: number): SseEvent | null {
  let event = "message";
  let id: string | null = null;
  const data: string[] = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  return data.length === 0 ? null : { event, data: data.join("\n"), id, at };
}

// ------------------------------------------------------------ engine events ----

export interface EngineEvent {
  id: string;
  action: string;
  /** The engine's own timestamp, in wall-clock ms (from timeNano). */
  time: number;
  /** As the dashboard rounds it (lib/docker/events.ts): whole ms. */
  timeMs: number;
  attributes: Record<string, string>;
  /** When this bench read it. */
  at: number;
}

/**
 * The engine's container events as the engine reports them, read by the bench itself (the
 * ground truth the dashboard is measured against). Stops with `stop()` or at cleanup.
 */
export async function watchEngineEvents(docker: Docker, filters: Record<string, string[]>, onEvent: (e: EngineEvent) => void): Promise<{ stop(): void }> {
  const stream = (await docker.getEvents({ filters: { ...filters, type: ["container"] } })) as NodeJS.ReadableStream & { destroy(): void };
  onJsonLines(stream, (value) => {
    const at = wallNow();
    const raw = value as { Action?: string; status?: string; id?: string; timeNano?: number; time?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } };
    const id = raw.Actor?.ID ?? raw.id;
    const action = raw.Action ?? raw.status;
    const nanos = raw.timeNano ?? (raw.time ?? 0) * 1e9;
    if (!id || !action) return;
    onEvent({ id, action, time: nanos / 1e6, timeMs: Math.round(nanos / 1e6), attributes: raw.Actor?.Attributes ?? {}, at });
  });
  stream.on("error", (err: Error) => log(`engine event stream: ${err.message}`));
  let stopped = false;
  const stop = () => {
    if (stopped) return;
    stopped = true;
    stream.removeAllListeners("data");
    stream.destroy();
  };
  onCleanup("engine event stream", stop);
  return { stop };
}

// ------------------------------------------------------------- comparisons ----

/**
 * What a client missed of `window` (a run of a reference stream's events, each as its exact
 * text): `lost` = events of the window absent from the client's stream (as a multiset), and
 * `inOrder` = the client's stream holds the window as one contiguous run in the same order,
 * which any lost, duplicated or reordered event breaks.
 */
export function lostAgainst(window: string[], client: string[]): { lost: number; inOrder: boolean } {
  const have = new Map<string, number>();
  for (const e of client) have.set(e, (have.get(e) ?? 0) + 1);
  let lost = 0;
  for (const e of window) {
    const n = have.get(e) ?? 0;
    if (n === 0) lost++;
    else have.set(e, n - 1);
  }
  if (window.length === 0) return { lost, inOrder: true };
  let inOrder = false;
  for (let i = client.indexOf(window[0]); i >= 0 && !inOrder; i = client.indexOf(window[0], i + 1)) {
    inOrder = window.every((e, k) => client[i + k] === e);
  }
  return { lost, inOrder };
}

/**
 * Memory over a run: the mean of the first and of the last minute of samples (`t` wall ms, bytes),
 * and the least-squares slope over all of them in MiB per minute.
 */
export function memoryTrend(samples: Array<{ t: number; bytes: number }>): { firstMiB: number; lastMiB: number; slopeMiBPerMin: number } {
  if (samples.length < 2) throw new Error("at least two memory samples are needed");
  const t0 = samples[0].t;
  const tEnd = samples[samples.length - 1].t;
  const mean = (xs: Array<{ bytes: number }>) => xs.reduce((a, s) => a + s.bytes, 0) / xs.length / 1024 / 1024;
  const first = samples.filter((s) => s.t <= t0 + 60_000);
  const last = samples.filter((s) => s.t >= tEnd - 60_000);
  const xs = samples.map((s) => (s.t - t0) / 60_000);
  const ys = samples.map((s) => s.bytes / 1024 / 1024);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  for (let i = 0; i < xs.length; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return { firstMiB: mean(first), lastMiB: mean(last), slopeMiBPerMin: den > 0 ? num / den : 0 };
}
