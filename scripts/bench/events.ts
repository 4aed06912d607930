/**
 * Benchmark: a Docker event → the process card updated in chromium. The lab's federation sender
 * (a compose container nobody reaches over HTTP) is paused and unpaused through the Engine API,
 * BENCH_EVENTS_N times each; its card on the topology page (signed in as the admin) flips
 * `data-state` between running and paused. For every transition:
 *   - the engine's own timestamp of the event (`timeNano`, from the bench's own /events stream),
 *   - the moment the card's `data-state` changed, taken in the page by a MutationObserver
 *     (performance.timeOrigin + performance.now(): wall clock, the same machine),
 *   - for context, the same event's arrival at a plain Node SSE client of /api/events (how much of
 *     the way is the server's), and the engine's own latency: command issued → event timestamp.
 * Pause/unpause: the quickest real state change; Synapse is frozen, not restarted. The container is
 * left running (unpaused) on every exit path.
 *
 * Run through scripts/bench/run.sh (lab up, build present), holding /tmp/lab.lock.
 * Knobs: BENCH_EVENTS_N (pause+unpause cycles, default 20), BENCH_EVENTS_WARMUP (2).
 */
import os from "node:os";
import Docker from "dockerode";
import { cardChange, openSignedInChromium, openSse, startLabDashboard, trackCard, waitLive, wallNow, watchEngineEvents, type EngineEvent } from "./dashboard-load";
import { envInt, fmtMs, log, onCleanup, randomHex, runMain, sleep, stats, waitFor, withTimeout, type Stats } from "./lib";

const N = envInt("BENCH_EVENTS_N", 20, 1, 500);
const WARMUP = envInt("BENCH_EVENTS_WARMUP", 2, 0, 20);
const TARGET_P95_MS = 300;
/** A card that has not changed this long after its event counts as not updated (a miss, not a sample). */
const CARD_TIMEOUT_MS = 10_000;
const CONTAINER = `${process.env.FLEET_LAB_COMPOSE_PROJECT ?? "fleetlab"}_synapse-worker-federation-sender_1`;
const PROCESS = "federation_sender1";

const docker = new Docker();
const loadAvg = () => os.loadavg().map((v) => v.toFixed(2)).join(" ");

interface Sample {
  action: "pause" | "unpause";
  issued: number;
  event: number;
  sse: number | null;
  card: number | null;
}

async function main() {
  const target = docker.getContainer(CONTAINER);
  const info = await target.inspect();
  if (info.State.Status !== "running" || info.State.Paused) throw new Error(`${CONTAINER} is ${info.State.Status}${info.State.Paused ? " (paused)" : ""}: the bench needs it running (bash lab/lab.sh status)`);
  const id = info.Id;
  // Whatever happens, the federation sender is left running.
  onCleanup(`unpause ${CONTAINER}`, async () => {
    const now = await target.inspect();
    if (now.State.Paused) {
      await target.unpause();
      log(`${CONTAINER} unpaused`);
    }
  });

  const engine: EngineEvent[] = [];
  const watcher = await watchEngineEvents(docker, { container: [id], event: ["pause", "unpause"] }, (e) => engine.push(e));
  const password = randomHex(18);
  const server = await startLabDashboard("events", "viewer", password);

  // The server's share: the same events as a plain SSE client receives them (container id + engine ms).
  const sseSeen = new Map<string, number>();
  const sse = openSse(`${server.url}/api/events`, server.token, (e) => {
    if (e.event !== "container") return;
    const d = JSON.parse(e.data) as { containerId: string; action: string; time: number };
    if (d.containerId === id) sseSeen.set(`${d.action}@${d.time}`, e.at);
  });
  await withTimeout(sse.opened, 30_000, "GET /api/events to open");

  const { context } = await openSignedInChromium(server, password);
  const page = await context.newPage();
  await page.goto(`${server.url}/`, { waitUntil: "load", timeout: 60_000 });
  await page.locator(`article[aria-label="${PROCESS}"][data-state="running"]`).waitFor({ timeout: 60_000 });
  await trackCard(page, PROCESS);
  await waitLive(page);

  const samples: Sample[] = [];
  const transition = async (action: "pause" | "unpause"): Promise<Sample> => {
    const expected = action === "pause" ? "paused" : "running";
    const issued = wallNow();
    if (action === "pause") await target.pause();
    else await target.unpause();
    const ev = await waitFor(`the engine's ${action} event`, async () => engine.find((e) => e.action === action && e.at >= issued) ?? null, { timeoutMs: 10_000, intervalMs: 5 });
    // The card may change before the bench reads the engine's event: ask from the command on.
    const card = await cardChange(page, PROCESS, expected, issued, CARD_TIMEOUT_MS);
    const sseAt = await waitFor(`the ${action} event on /api/events`, async () => sseSeen.get(`${action}@${ev.timeMs}`) ?? null, { timeoutMs: 5000, intervalMs: 5 }).catch(() => null);
    return { action, issued, event: ev.time, sse: sseAt, card };
  };

  log(`${PROCESS}: ${WARMUP} warm-up + ${N} pause/unpause cycles`);
  for (let i = 0; i < WARMUP + N; i++) {
    for (const action of ["pause", "unpause"] as const) {
      const s = await transition(action);
      if (i >= WARMUP) samples.push(s);
      // Apart from one another and off the 2 s stats rhythm.
      await sleep(300 + Math.random() * 400);
    }
  }
  watcher.stop();
  await sse.close();
  report(samples);
}

function row(label: string, xs: number[], extra = ""): string {
  if (xs.length === 0) return `${label.padEnd(34)}${"no samples".padStart(8)}`;
  const s: Stats = stats(xs);
  return `${label.padEnd(34)}${String(s.n).padStart(4)}${fmtMs(s.p50)}${fmtMs(s.p95)}${fmtMs(s.max)}${fmtMs(s.min)}${extra}`;
}

function report(samples: Sample[]): void {
  const line = "-".repeat(100);
  const carded = samples.filter((s) => s.card !== null);
  const toCard = carded.map((s) => s.card! - s.event);
  const out = [
    "",
    `Docker event → process card updated (chromium, topology page, signed in as admin): ${PROCESS}, ${N} pause + ${N} unpause`,
    "event = the engine's timeNano from its own /events stream; card = a MutationObserver in the page (wall clock, same machine)",
    `machine: ${os.cpus().length} cores; load average at end ${loadAvg()}`,
    line,
    `${"measure".padEnd(34)}${"n".padStart(4)}${"p50 ms".padStart(8)}${"p95 ms".padStart(8)}${"max ms".padStart(8)}${"min ms".padStart(8)}`,
    line,
  ];
  const p95 = toCard.length > 0 ? stats(toCard).p95 : Infinity;
  out.push(row("event → card", toCard, `   target p95 <= ${TARGET_P95_MS} ms   ${p95 <= TARGET_P95_MS && carded.length === samples.length ? "PASS" : "MISS"}`));
  for (const a of ["pause", "unpause"] as const) out.push(row(`  of which ${a}`, carded.filter((s) => s.action === a).map((s) => s.card! - s.event)));
  out.push(row("event → Node SSE client (server)", samples.filter((s) => s.sse !== null).map((s) => s.sse! - s.event)));
  out.push(row("engine: command issued → event", samples.map((s) => s.event - s.issued)));
  out.push(row("command issued → card", carded.map((s) => s.card! - s.issued)));
  out.push(line);
  const missed = samples.length - carded.length;
  if (missed > 0) out.push(`${missed} of ${samples.length} transitions: the card did not change within ${CARD_TIMEOUT_MS} ms (counted as MISS, not as samples)`);
  const noSse = samples.filter((s) => s.sse === null).length;
  if (noSse > 0) out.push(`${noSse} of ${samples.length} events never reached the Node SSE client`);
  process.stdout.write(out.join("\n") + "\n");
}

runMain(main);
