import { expect, test, type Page } from "@playwright/test";
import { execFile } from "node:child_process";
import { isDeepStrictEqual, promisify } from "node:util";
import { parse } from "yaml";
import type { Topology } from "@/lib/contract/topology";
import { workerCatalogue, workerKinds, type WorkerKind } from "@/lib/synapse/catalogue";
import type { Operation } from "@/lib/synapse/plan-schema";
import { configFiles, FleetApi, homeserver, httpBase, promQuery, scrapeTargets } from "./fleet-api";
import { docker } from "./lab";
import { createRoom, login, MAIN, registerUser, setTyping, syncOnce, typingUserIds, whoami } from "./matrix";
import { signInEachTest } from "./sign-in";

// Issue #12 §2 on real Synapse, through the console's own menus: one worker of every kind (the
// one_of_each preset), then scale down, remove, stop, start and restart from the cards, rollback to a
// single process, and restore from the History screen to after and to before the preset.
// Changes the lab, so it is a flow; it leaves the lab in workers mode as it found it (or as
// `lab.sh reset workers` does, when it found the lab otherwise).
test.describe.configure({ mode: "serial", timeout: 480_000 });

signInEachTest("/", "Topology");

// Asynchronous on purpose: a synchronous minute-long reset blocks the event loop, so the HTTP client
// cannot retire its idle keep-alive socket that the server closes meanwhile, and the next request fails.
const lab = async (...args: string[]) => void (await promisify(execFile)("bash", ["lab/lab.sh", ...args], { timeout: 300_000, maxBuffer: 16 << 20 }));
const flowStarted = Date.now();

let api: FleetApi;
const client = { user: "", userId: "", password: "", token: "", room: "" };
/** `name:type` of every process, sorted: the exact set a point in history must come back to. */
let beforePreset: string[] = [];
let afterPreset: string[] = [];
let presetOperation = "";
/** The config dir, byte for byte, at each point: a restore must give back exactly these files. */
let filesBeforePreset: Record<string, string> = {};
let filesAfterPreset: Record<string, string> = {};

const processSet = (t: Topology) => t.processes.map((p) => `${p.name}:${p.type}`).sort();
const unhealthy = (t: Topology) => t.processes.filter((p) => p.health !== "healthy").map((p) => `${p.name}=${p.health}`);
const card = (page: Page, name: string) => page.getByRole("article", { name, exact: true });
/** The container's state as the engine reports it, or "absent" once it is gone. */
function engineState(id: string): string {
  const found = docker("ps", "-aq", "--no-trunc", "--filter", `id=${id}`);
  return found ? docker("inspect", "-f", "{{.State.Status}}", id) : "absent";
}

/** Waits until the topology API shows every process healthy; returns it. */
async function settledTopology(timeout = 180_000): Promise<Topology> {
  let t: Topology | undefined;
  await expect
    .poll(async () => unhealthy((t = await api.topology())), { timeout, intervals: [1_000, 2_000, 5_000], message: "every process healthy" })
    .toEqual([]);
  return t!;
}

/** Every card on the page, one per process of `t`, each healthy. */
async function expectCardsHealthy(page: Page, t: Topology) {
  await expect(page.getByRole("article")).toHaveCount(t.processes.length, { timeout: 60_000 });
  for (const p of t.processes) await expect(card(page, p.name).getByTestId("health")).toHaveText("healthy", { timeout: 120_000 });
}

/** Applies the plan the dialog titled `title` shows, once it has one. */
async function applyPlan(page: Page, title: string) {
  const dialog = page.getByRole("dialog", { name: title });
  await expect(dialog.getByRole("button", { name: "Apply" })).toBeEnabled({ timeout: 60_000 });
  await dialog.getByRole("button", { name: "Apply" }).click();
  await expect(dialog).toBeHidden({ timeout: 30_000 });
}

/** Follows the operation in the progress drawer to its end, requires success, closes the drawer. */
async function finishOperation(page: Page, timeout = 300_000): Promise<Operation> {
  const drawer = page.locator('section[aria-label="Operation progress"][data-operation-id]');
  await expect(drawer.getByTestId("operation-status")).toHaveAttribute("data-status", /^(succeeded|failed|interrupted)$/, { timeout });
  const op = await api.waitFor((await drawer.getAttribute("data-operation-id"))!);
  // A failure says why in the failing process's own last lines, not only in the executor's words.
  expect(op.status, [op.error ?? "", ...(op.failureLogs ?? []).slice(-25)].join("\n")).toBe("succeeded");
  await drawer.getByRole("button", { name: "Close progress" }).click();
  await expect(drawer).toHaveCount(0);
  return op;
}

async function cardAction(page: Page, name: string, item: string) {
  await card(page, name).getByRole("button", { name: `Actions for ${name}` }).click();
  await page.getByRole("menuitem", { name: item, exact: true }).click();
}

/** How many workers of each kind run, told apart as the catalogue does (stream writers by their stream). */
function countsByKind(t: Topology): Record<WorkerKind, number> {
  return Object.fromEntries(
    workerKinds.map((kind) => {
      const spec = workerCatalogue[kind];
      return [kind, t.processes.filter((p) => p.type === spec.type && (spec.type !== "stream_writer" || spec.streams.some((s) => p.streams.includes(s)))).length];
    }),
  ) as Record<WorkerKind, number>;
}

/**
 * The lab as the flow found it, when that was its own workers mode, untouched: the flow took it to
 * one process with a rollback through the API and puts it back by restoring that rollback's
 * snapshot from before it (re-created containers are identical in docker inspect, tests/fidelity*),
 * seconds where the two lab resets took about 20. Null when the flow reset the lab instead.
 */
let foundAsWorkers: { rollback: string; processes: string[]; files: Record<string, string> } | null = null;

/** The lab's own workers mode, as `lab.sh up workers` leaves it: its four processes healthy, nothing the dashboard made. */
const LAB_WORKERS = ["federation_sender1:federation_sender", "generic_worker1:generic", "main:main", "media_worker:media"];

test.beforeAll(async ({ baseURL }) => {
  api = FleetApi.withRole(baseURL!, "operator");
  const t = await api.topology();
  const managed = docker("ps", "-aq", "--filter", "label=io.synapse-fleet.managed=true");
  // From a single process, so the preset adds every kind: the lab's workers mode already has
  // generic_worker1 writing typing, to_device, account_data and presence, and the preset skips
  // the writers of streams that are taken.
  if (!managed && unhealthy(t).length === 0 && processSet(t).join() === LAB_WORKERS.join()) {
    const files = configFiles();
    const rollback = await api.run("POST", "/api/rollback-to-single-process");
    expect(rollback.status, rollback.error ?? "").toBe("succeeded");
    foundAsWorkers = { rollback: rollback.id, processes: processSet(t), files };
  } else if (managed || processSet(t).join() !== "main:main" || unhealthy(t).length > 0) {
    // Anything else: a reset (it costs a minute under load).
    await lab("reset", "single");
  }
  beforePreset = processSet(await settledTopology());
  expect(beforePreset).toEqual(["main:main"]);
  filesBeforePreset = configFiles();
  const { user, password } = await registerUser("kinds");
  client.user = user;
  client.password = password;
  client.token = await login(MAIN, user, password);
  client.userId = await whoami(MAIN, client.token);
  client.room = await createRoom(MAIN, client.token);
});

/** Restores the snapshot from before the flow's own rollback; false (and why, on stdout) if the lab did not come back exactly. */
async function putBackFoundWorkers(found: NonNullable<typeof foundAsWorkers>): Promise<boolean> {
  try {
    const op = await api.run("POST", `/api/history/${found.rollback}/restore`, { point: "before" });
    if (op.status !== "succeeded") throw new Error(`restore ${op.status}: ${op.error}`);
    const t = await settledTopology(120_000);
    if (processSet(t).join() !== found.processes.join()) throw new Error(`processes ${processSet(t).join()}`);
    if (!isDeepStrictEqual(configFiles(), found.files)) throw new Error("config files differ from the lab's");
    if (docker("ps", "-aq", "--filter", "label=io.synapse-fleet.managed=true")) throw new Error("a container the dashboard made is left");
    return true;
  } catch (err) {
    process.stdout.write(`kinds flow: restoring the lab's workers through the API did not give them back (${String(err)}); resetting the lab\n`);
    return false;
  }
}

test.afterAll(async () => {
  if (!foundAsWorkers || !(await putBackFoundWorkers(foundAsWorkers))) await lab("reset", "workers");
  const seconds = ((Date.now() - flowStarted) / 1000).toFixed(0);
  test.info().annotations.push({ type: "kinds flow total", description: `${seconds} s` });
  process.stdout.write(`kinds flow: ${seconds} s in all, putting the lab back included\n`);
});

test("the one_of_each preset from Scale / presets: every kind healthy, streams where the plan puts them, typing through its writer, every target up", async ({ page }) => {
  // Before: main is the typing writer, so it takes the request itself.
  await setTyping(MAIN, client.token, client.room, client.userId);

  await page.getByRole("group", { name: "Deployment actions" }).getByRole("button", { name: "Scale / presets" }).click();
  await page.getByRole("dialog", { name: "Scale / presets" }).getByRole("button", { name: "One of each kind" }).click();
  await applyPlan(page, "Apply preset: One of each kind");
  const op = await finishOperation(page, 420_000);
  presetOperation = op.id;
  expect(op.intent).toEqual({ kind: "preset", preset: "one_of_each" });

  const t = await settledTopology();
  afterPreset = processSet(t);
  filesAfterPreset = configFiles();
  expect(afterPreset).toEqual(op.plan.expected.map((p) => `${p.name}:${p.type}`).sort());
  expect(countsByKind(t)).toEqual(Object.fromEntries(workerKinds.map((k) => [k, 1])));
  expect(t.processes).toHaveLength(workerKinds.length + 1);
  await expectCardsHealthy(page, t);

  // Each stream is written where the plan's homeserver.yaml says, and that is what Synapse runs with.
  const planned = parse(op.plan.files.find((f) => f.path === "homeserver.yaml")!.after!) as { stream_writers: Record<string, string[]> };
  const hs = homeserver();
  expect(hs.stream_writers).toEqual(planned.stream_writers);
  const writers = t.processes.filter((p) => p.streams.length > 0);
  expect(Object.keys(planned.stream_writers).sort()).toEqual(writers.flatMap((p) => p.streams).sort());
  for (const p of writers) {
    for (const s of p.streams) expect(planned.stream_writers[s], `stream_writers.${s}`).toEqual([p.name]);
    expect(hs.instance_map?.[p.name], `instance_map.${p.name}`).toBeDefined();
    await expect(card(page, p.name).getByLabel("stream writer for")).toHaveText(p.streams.join(""));
  }

  // Typing for real: main now refuses it (Synapse: "not typing writer"), the typing writer takes it,
  // main's /sync sees it over replication, and the writer's own request counter has the PUT.
  const typingWriter = planned.stream_writers.typing[0];
  expect(t.processes.find((p) => p.name === typingWriter)?.type).toBe("stream_writer");
  await expect(setTyping(MAIN, client.token, client.room, client.userId)).rejects.toThrow(/HTTP 500/);
  await setTyping(httpBase(t, typingWriter), client.token, client.room, client.userId);
  await expect
    .poll(async () => typingUserIds(await syncOnce(MAIN, client.token, client.room), client.room), { timeout: 30_000, message: "m.typing in main's /sync" })
    .toEqual([client.userId]);
  const puts = `sum(synapse_http_server_requests_received_total{worker="${typingWriter}",servlet="RoomTypingRestServlet",method="PUT"})`;
  await expect.poll(async () => Number((await promQuery(puts))[0]?.value[1] ?? 0), { timeout: 60_000, message: puts }).toBeGreaterThanOrEqual(1);

  // Every process is a file_sd target with its own {job, index}, and Prometheus scrapes each: up == 1.
  const targets = scrapeTargets();
  const pairs = t.processes.map((p) => {
    const labels = targets.get(p.name);
    expect(labels?.job, `job of ${p.name}`).toMatch(/^[a-z_]+$/);
    expect(labels?.index, `index of ${p.name}`).toMatch(/^[1-9]\d*$/);
    return `${labels!.job}-${labels!.index}`;
  });
  expect(new Set(pairs).size).toBe(pairs.length);
  await expect
    .poll(
      async () => {
        const up = new Map((await promQuery("up")).map((s) => [`${s.metric.job}-${s.metric.index}`, s.value[1]]));
        return pairs.filter((pair) => up.get(pair) !== "1").map((pair) => `${pair}=${up.get(pair) ?? "absent"}`);
      },
      { timeout: 90_000, intervals: [2_000, 5_000], message: "up == 1 for every process" },
    )
    .toEqual([]);
});

test("from the menus: scale the generic workers down, remove one worker, stop, start and restart another; each on the engine and the page", async ({ page }) => {
  expect(presetOperation, "the preset ran").not.toBe("");
  let t = await settledTopology();
  await expectCardsHealthy(page, t);
  const generic = t.processes.find((p) => p.type === "generic")!;
  const reader = t.processes.find((p) => p.type === "client_reader")!;
  const sync = t.processes.find((p) => p.type === "synchrotron")!;

  // Scale down: the generic workers 1 → 0 in the Scale dialog.
  await page.getByRole("group", { name: "Deployment actions" }).getByRole("button", { name: "Scale / presets" }).click();
  const scale = page.getByRole("dialog", { name: "Scale / presets" });
  await expect(scale.getByRole("spinbutton", { name: "Generic worker count" })).toHaveValue("1");
  await scale.getByRole("spinbutton", { name: "Generic worker count" }).fill("0");
  await scale.getByRole("button", { name: "Preview plan" }).click();
  await applyPlan(page, "Scale Generic worker to 0");
  expect((await finishOperation(page)).intent).toEqual({ kind: "scale", type: "generic", count: 0 });
  expect(engineState(generic.container!.id)).toBe("absent");
  await expect(card(page, generic.name)).toHaveCount(0);

  // Remove one worker from its card.
  await cardAction(page, reader.name, "Remove");
  await applyPlan(page, `Remove ${reader.name}`);
  expect((await finishOperation(page)).intent).toEqual({ kind: "remove_worker", name: reader.name });
  expect(engineState(reader.container!.id)).toBe("absent");
  await expect(card(page, reader.name)).toHaveCount(0);

  // Stop, start and restart the synchrotron from its card.
  await cardAction(page, sync.name, "Stop");
  await applyPlan(page, `Stop ${sync.name}`);
  await finishOperation(page);
  expect(engineState(sync.container!.id)).toBe("exited");
  await expect(card(page, sync.name)).toHaveAttribute("data-state", "exited");
  await expect(card(page, sync.name).getByTestId("health")).toHaveText("stopped");

  await cardAction(page, sync.name, "Start"); // a start removes nothing: applied without a dialog
  await finishOperation(page);
  expect(engineState(sync.container!.id)).toBe("running");
  await expect(card(page, sync.name)).toHaveAttribute("data-state", "running");
  await expect(card(page, sync.name).getByTestId("health")).toHaveText("healthy", { timeout: 60_000 });

  const startedAt = docker("inspect", "-f", "{{.State.StartedAt}}", sync.container!.id);
  await cardAction(page, sync.name, "Restart");
  await applyPlan(page, `Restart ${sync.name}`);
  await finishOperation(page);
  expect(engineState(sync.container!.id)).toBe("running");
  expect(Date.parse(docker("inspect", "-f", "{{.State.StartedAt}}", sync.container!.id))).toBeGreaterThan(Date.parse(startedAt));
  await expect(card(page, sync.name).getByTestId("health")).toHaveText("healthy", { timeout: 60_000 });

  t = await settledTopology();
  expect(processSet(t)).toEqual(afterPreset.filter((p) => !p.startsWith(`${generic.name}:`) && !p.startsWith(`${reader.name}:`)));
});

test("rollback from the menu: main alone serves a login and a /sync", async ({ page }) => {
  const workers = (await api.topology()).processes.filter((p) => p.type !== "main");
  await page.getByRole("button", { name: "More deployment actions" }).click();
  await page.getByRole("menuitem", { name: "Rollback to single process" }).click();
  await applyPlan(page, "Rollback to single process");
  await finishOperation(page);
  expect(workers.filter((p) => engineState(p.container!.id) !== "absent").map((p) => p.name)).toEqual([]);
  await expect(page.getByRole("article")).toHaveCount(1);
  await expect(card(page, "main").getByTestId("health")).toHaveText("healthy", { timeout: 60_000 });
  expect(processSet(await settledTopology())).toEqual(["main:main"]);

  const token = await login(MAIN, client.user, client.password);
  const sync = await syncOnce(MAIN, token, client.room);
  expect(sync.next_batch).toMatch(/\S/);
  expect(Object.keys(sync.rooms?.join ?? {})).toEqual([client.room]);
});

/** From the History screen: the preset's entry, its Restore menu, the plan applied. */
async function restoreFromHistory(page: Page, point: "before" | "after"): Promise<Operation> {
  await page.goto("/history");
  const entry = page.getByRole("list", { name: "Operations" }).getByRole("article", { name: "Apply preset: One of each kind" });
  await expect(entry).toHaveCount(1);
  await entry.getByRole("link").click();
  await expect(page).toHaveURL(new RegExp(`/history/${presetOperation}$`));
  await page.getByRole("button", { name: "Restore" }).click();
  await page.getByRole("menuitem", { name: `To ${point} this operation` }).click();
  await applyPlan(page, `Restore to ${point} operation ${presetOperation}`);
  const op = await finishOperation(page, 420_000);
  expect(op.intent).toEqual({ kind: "restore", operationId: presetOperation, point });
  expect(op.restoreOf).toBe(presetOperation);
  return op;
}

test("restore from History to after the preset: every worker kind back, healthy and running, the config files as the preset left them", async ({ page }) => {
  await restoreFromHistory(page, "after");
  expect(configFiles()).toEqual(filesAfterPreset);
  const t = await settledTopology();
  expect(processSet(t)).toEqual(afterPreset);
  expect(t.processes.filter((p) => engineState(p.container!.id) !== "running").map((p) => p.name)).toEqual([]);
  await page.goto("/");
  await expectCardsHealthy(page, t);
});

test("restore from History to before the preset: main alone again, the config files as they were, no worker container left", async ({ page }) => {
  const preset = (await api.topology()).processes;
  await restoreFromHistory(page, "before");
  expect(configFiles()).toEqual(filesBeforePreset);
  const t = await settledTopology();
  expect(processSet(t)).toEqual(beforePreset);
  const kept = new Set(t.processes.map((p) => p.container!.id));
  expect(preset.filter((p) => !kept.has(p.container!.id) && engineState(p.container!.id) !== "absent").map((p) => p.name)).toEqual([]);
  await page.goto("/");
  await expectCardsHealthy(page, t);
});
