import { expect, test, type CDPSession, type Page } from "@playwright/test";
import { execFileSync } from "node:child_process";
import crypto from "node:crypto";
import { labContainer } from "./lab";

// The log viewer keeps the last 100,000 records (components/logs/logStore.ts). Here a real worker's
// log goes past that twice, through the engine, the logs API and the page, and the page's heap must
// stay the same size while the newest line stays in view.

const WORKER = "federation_sender1";
const SERVICE = "synapse-worker-federation-sender";
const CAPACITY = 100_000;
/** Each round alone overfills the window, so after the second nothing of the first is left. */
const ROUND = 105_000;
/**
 * How much the heap may grow between two full windows, as a share of what the first full window
 * cost over the page with its first lines: a ring that kept one more round would grow by more than
 * that whole cost (105,000 records more than 100,000); a bounded one by next to nothing.
 */
const GROWTH_SHARE_LIMIT = 1 / 3;
/** Sanity bound for the whole page with a full window (the benchmark's figure for 1M lines is 150 MiB). */
const HEAP_LIMIT = 150 * 1024 * 1024;

const logs = (page: Page) => page.getByRole("region", { name: "Logs" });
const rows = (page: Page) => logs(page).getByRole("row");
const counts = (page: Page) => logs(page).getByTestId("log-counts");
const filter = (page: Page) => logs(page).getByRole("textbox", { name: "Filter" });

/**
 * Writes `count` Synapse-format lines to the worker's own stderr (its PID 1's), so they are lines
 * of its real container log, read by the engine and the dashboard like any it writes itself. Each
 * carries `<tag>-<7-digit index>`, unique within a run.
 */
function writeWorkerLines(tag: string, count: number) {
  const script = [
    "import sys, time",
    "tag, n = sys.argv[1], int(sys.argv[2])",
    'stamp = time.strftime("%Y-%m-%d %H:%M:%S,000", time.gmtime())',
    'with open("/proc/1/fd/2", "w", buffering=1 << 20) as f:',
    "    for i in range(n):",
    '        f.write(f"{stamp} - fleet.e2e.ring - 1 - INFO - sentinel - {tag}-{i:07d} filling the log viewer past its window\\n")',
  ].join("\n");
  execFileSync("docker", ["exec", labContainer(SERVICE), "python3", "-c", script, tag, String(count)], { stdio: ["ignore", "ignore", "pipe"], timeout: 120_000 });
}

const lineId = (tag: string, i: number) => `${tag}-${String(i).padStart(7, "0")}`;

/** The page's live JS heap after a full collection: what the page holds, not what it has yet to free. */
async function heapUsed(cdp: CDPSession): Promise<number> {
  await cdp.send("HeapProfiler.collectGarbage");
  const { usedSize } = await cdp.send("Runtime.getHeapUsage");
  return usedSize;
}

/** Writes one round and waits until its newest line is on screen (everything before it has arrived). */
async function fillRound(page: Page, tag: string) {
  const started = Date.now();
  writeWorkerLines(tag, ROUND);
  const newest = rows(page).filter({ hasText: lineId(tag, ROUND - 1) });
  await expect(newest).toBeInViewport({ timeout: 90_000 });
  test.info().annotations.push({ type: "round", description: `${ROUND.toLocaleString("en")} lines of ${WORKER} written and shown in ${Date.now() - started} ms` });
}

test("a log past 100,000 lines keeps the page's memory bounded and shows the newest line", async ({ page }) => {
  // Two rounds of 105,000 lines through a 2-core machine under load; a frozen page never gets there.
  test.setTimeout(240_000);
  await page.goto(`/logs?workers=${WORKER}`);
  await expect(logs(page).getByTestId("log-connection")).toHaveText("Live", { timeout: 15_000 });
  const cdp = await page.context().newCDPSession(page);
  const empty = await heapUsed(cdp);
  const run = crypto.randomBytes(4).toString("hex");
  const first = `ringA${run}`;
  const second = `ringB${run}`;

  await fillRound(page, first);
  await expect(counts(page)).toHaveText(`${CAPACITY.toLocaleString("en")} lines · showing the last ${CAPACITY.toLocaleString("en")} lines`);
  const full = await heapUsed(cdp);

  await fillRound(page, second);
  await expect(counts(page)).toHaveText(`${CAPACITY.toLocaleString("en")} lines · showing the last ${CAPACITY.toLocaleString("en")} lines`);
  const fuller = await heapUsed(cdp);
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  test.info().annotations.push({ type: "heap", description: `${mib(empty)} at the start, ${mib(full)} with one full window, ${mib(fuller)} after ${ROUND.toLocaleString("en")} more lines` });
  // The measurement sees the window at all (100,000 records cost far more than 40 bytes each).
  expect(full - empty).toBeGreaterThan(4 * 2 ** 20);
  expect(fuller - full).toBeLessThan((full - empty) * GROWTH_SHARE_LIMIT);
  expect(fuller).toBeLessThan(HEAP_LIMIT);

  const counters = await page.evaluate(() => (window as unknown as { __fleetLogs: { received: number; retained: number } }).__fleetLogs);
  expect(counters.retained).toBe(CAPACITY);
  expect(counters.received).toBeGreaterThanOrEqual(2 * ROUND);

  // The newest line is on screen, the oldest ones fell off: nothing of the first round is left,
  // nor the second round's first line, while the second round's last line is there once.
  await expect(rows(page).filter({ hasText: lineId(second, ROUND - 1) })).toBeInViewport();
  await filter(page).fill(first);
  await expect(counts(page)).toHaveText(new RegExp(`^0 of ${CAPACITY.toLocaleString("en")} lines match`));
  await filter(page).fill(lineId(second, 0));
  await expect(counts(page)).toHaveText(new RegExp(`^0 of ${CAPACITY.toLocaleString("en")} lines match`));
  await filter(page).fill(lineId(second, ROUND - 1));
  await expect(counts(page)).toHaveText(new RegExp(`^1 of ${CAPACITY.toLocaleString("en")} lines match`));
  await expect(rows(page)).toHaveCount(1);
});
