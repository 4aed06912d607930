import { expect, test, type Page } from "@playwright/test";
import crypto from "node:crypto";
import { configFiles, FleetApi } from "./fleet-api";
import { download, login, upload, whoami } from "./matrix";
import {
  clientBase,
  HOME,
  docker,
  lines,
  nodeAddress,
  nodeStates,
  putLabWorkersHome,
  registerSwarmUser,
  serviceOf,
  setAvailability,
  stopNodeEngine,
  swarmMain,
  swarmObjects,
  swarmProcess,
  swarmUp,
  taskNode,
  type SwarmProcess,
} from "./swarm-lab";
import { BEHAVIOUR_DEADLINE_MS, measurePromise } from "../tests/promise";

// Issue #15 §9, in order, on the swarm lab (FLEET_E2E_TARGET=swarm, playwright.config.ts): a worker
// placed on node2, node2 drained under an open page, a node3 worker's log in the merged viewer,
// rollback to one process and restore, then refusals — an unknown node, and node3's engine stopped
// during an add there. Through the page where the page has it (cards, logs, rollback and restore
// dialogs), the API where it does not (placement). The lab is left as `swarm.sh up` leaves it.
test.describe.configure({ mode: "serial", timeout: 480_000 });

const ALL_READY = ["node1 Ready Active", "node2 Ready Active", "node3 Ready Active"];
const card = (page: Page, name: string) => page.getByRole("article", { name, exact: true });

let api: FleetApi;
let user: { user: string; password: string };
let added = ""; // the worker step 1 adds; removed at the end
let rolledBack = false; // step 4 between its rollback and its restore: the workers are to be brought back
const media = { id: "", bytes: new Uint8Array() };
let found: { services: string[] };

async function waitForProgress(page: Page, status: "succeeded" | "failed", timeout = 240_000) {
  const progress = page.getByRole("region", { name: "Operation progress" });
  await expect(progress.getByTestId("operation-status")).toHaveAttribute("data-status", status, { timeout });
}

/** Polls the topology until `ok` holds for process `name`; returns that process. */
async function processWhen(name: string, ok: (p: SwarmProcess) => boolean, what: string, timeoutMs = 180_000): Promise<SwarmProcess> {
  let last: SwarmProcess | undefined;
  await expect
    .poll(
      async () => {
        const p = (await api.topology()).processes.find((x) => x.name === name) as SwarmProcess | undefined;
        last = p;
        return p !== undefined && ok(p);
      },
      { timeout: timeoutMs, intervals: [500], message: `${name}: ${what}` },
    )
    .toBe(true);
  return last!;
}

test.beforeAll(async ({ baseURL }) => {
  expect(await nodeStates(), "the swarm lab's nodes, as swarm.sh up leaves them").toEqual(ALL_READY);
  api = FleetApi.withRole(baseURL!, "operator");
  found = { services: (await swarmObjects()).services };
  user = await registerSwarmUser("swarm");
});

test.afterAll(async () => {
  // A story that stopped half-way still leaves the lab as found: node2 active, node3's engine back,
  // the added worker gone (through the dashboard, so its files go too), the lab's workers at home.
  await setAvailability("node2", "active").catch(() => undefined);
  if ((await nodeStates().catch(() => [])).join() !== ALL_READY.join()) await swarmUp();
  try {
    // Stopped between rollback and restore: the workers come back through the dashboard (their files too).
    if (rolledBack) await api.run("POST", "/api/restore-workers");
    // Every worker the story made (step 1's, and one a failed refusal step let through) goes, through
    // the dashboard, so its files go too: the lab keeps only its own.
    const extra = (await api.topology()).processes.map((p) => p.name).filter((n) => n !== "main" && !(n in HOME));
    for (const name of extra) await api.run("DELETE", `/api/workers/${name}`);
  } finally {
    await putLabWorkersHome();
  }
});

test("adds a generic worker on node2: healthy, and clients log in through node2's address and its port", async ({ page }) => {
  await page.goto("/");
  const before = new Set((await api.topology()).processes.map((p) => p.name));
  const op = await api.run("POST", "/api/workers", { type: "generic", placement: { node: "node2" } });
  expect(op.status, op.error ?? "").toBe("succeeded");
  const t = await api.topology();
  const fresh = t.processes.filter((p) => !before.has(p.name));
  expect(fresh.map((p) => p.type)).toEqual(["generic"]);
  added = fresh[0].name;
  const p = swarmProcess(t, added);
  expect(p.node?.hostname).toBe("node2");
  expect(p.health).toBe("healthy");
  // As the manager has it too (polled: a task being replaced has no running row for a moment).
  const service = await serviceOf(added);
  expect(service, `a service labelled io.synapse-fleet.worker=${added}`).not.toBeNull();
  await expect.poll(() => taskNode(service!), { timeout: 30_000 }).toBe("node2");
  await expect(card(page, added).getByTestId("health")).toHaveText("healthy", { timeout: 30_000 });
  await expect(card(page, added)).toContainText("node2");

  const base = clientBase(p);
  expect(base).toContain(`//${nodeAddress("node2")}:`);
  const token = await login(base, user.user, user.password);
  expect(await whoami(base, token)).toMatch(new RegExp(`^@${user.user}:`));

  // For step 4: a file uploaded through the media worker (node1), before any rollback.
  const mediaBase = clientBase(swarmProcess(t, "media_worker"));
  media.bytes = new Uint8Array(crypto.randomBytes(4096));
  media.id = await upload(mediaBase, token, media.bytes);
  expect(await download(mediaBase, token, media.id)).toEqual(media.bytes);
});

test("draining node2 moves the worker: healthy elsewhere, its card shows the new node without a reload, logins reach it there", async ({ page }) => {
  expect(added, "the worker step 1 added").not.toBe("");
  await page.goto("/");
  await expect(card(page, added)).toContainText("node2");
  await setAvailability("node2", "drain");
  try {
    const moved = await processWhen(added, (p) => !!p.node && p.node.hostname !== "node2" && p.health === "healthy", "healthy on a node other than node2");
    const to = moved.node!.hostname;
    // The page was not reloaded: the card follows the move by itself.
    await expect(card(page, added)).toContainText(to, { timeout: BEHAVIOUR_DEADLINE_MS });
    await expect(card(page, added)).not.toContainText("node2");
    await expect(card(page, added).getByTestId("health")).toHaveText("healthy", { timeout: BEHAVIOUR_DEADLINE_MS });
    const base = clientBase(moved);
    expect(base).toContain(`//${nodeAddress(to)}:`);
    const token = await login(base, user.user, user.password);
    expect(await whoami(base, token)).toMatch(new RegExp(`^@${user.user}:`));
  } finally {
    await setAvailability("node2", "active");
    // The drain moved the lab's own generic worker too: back to node2, as the lab has it.
    await putLabWorkersHome();
  }
  expect(await nodeStates()).toEqual(ALL_READY);
});

test("a log line of a worker on node3 appears in the merged viewer within 2 s, marked node3", async ({ page }) => {
  // The worker step 1 added: the drain moved it off node2 (Swarm's spread puts it on node3, the node
  // with the fewest tasks); if it went elsewhere, it is moved to node3 and left free to move again.
  // A generic worker logs every request it serves, with its query: a line of our making. (A SIGHUP
  // line would not do: Synapse re-reading a console log config loops its output, matrix-org/synapse#6550.)
  let p = swarmProcess(await api.topology(), added);
  if (p.node?.hostname !== "node3") {
    const service = (await serviceOf(added))!;
    await docker(["service", "update", "-q", "--detach=false", "--constraint-add", "node.hostname==node3", service]);
    await docker(["service", "update", "-q", "--detach=false", "--constraint-rm", "node.hostname==node3", service]);
    p = await processWhen(added, (q) => q.node?.hostname === "node3" && q.health === "healthy", "healthy on node3");
  }
  await page.goto(`/logs?workers=${added},federation_sender1`);
  const logs = page.getByRole("region", { name: "Logs" });
  await expect(logs.getByTestId("log-connection")).toHaveText("Live", { timeout: 15_000 });
  const marker = `fleet-e2e-${crypto.randomUUID()}`;
  const row = logs.locator(`[role="row"][data-worker="${added}"]`).filter({ hasText: marker });
  await measurePromise("a node3 worker's log line in the merged viewer (swarm)", 2_000, async () => {
    expect((await fetch(`${clientBase(p)}/_matrix/client/versions?${marker}`)).status).toBe(200);
    await expect(row).toHaveCount(1, { timeout: BEHAVIOUR_DEADLINE_MS });
  });
  await expect(row).toContainText("node3");
});

test("rollback to one process: only main runs and serves the media uploaded through the worker; restore puts the workers back on their nodes", async ({ page }) => {
  expect(media.id, "the media step 1 uploaded").not.toBe("");
  const before = await api.topology();
  const placed = new Map(before.processes.filter((p) => p.name !== "main").map((p) => [p.name, p.node?.hostname]));
  expect(placed.size).toBeGreaterThanOrEqual(3);
  // Health as before: a process nothing on the host reaches (the federation sender publishes no
  // port) is `unknown` on both sides; everything else healthy.
  const healthOf = (t: typeof before) => Object.fromEntries(t.processes.map((p) => [p.name, p.health]));
  expect(Object.values(healthOf(before)).every((h) => h === "healthy" || h === "unknown")).toBe(true);

  await page.goto("/");
  await page.getByRole("button", { name: "More deployment actions" }).click();
  await page.getByRole("menuitem", { name: "Rollback to single process" }).click();
  await page.getByRole("dialog", { name: "Rollback to single process" }).getByRole("button", { name: "Apply" }).click();
  await waitForProgress(page, "succeeded");
  rolledBack = true;
  await expect(page.getByRole("article")).toHaveCount(1);
  expect((await api.topology()).processes.map((p) => p.name)).toEqual(["main"]);
  // On the swarm too: no Synapse service but main's (every one carries the worker label).
  const labelled = lines(await docker(["service", "ls", "-q", "--filter", "label=io.synapse-fleet.worker"]));
  expect(lines(await docker(["service", "inspect", "-f", "{{index .Spec.Labels \"io.synapse-fleet.worker\"}}", ...labelled]))).toEqual(["main"]);
  const token = await login(swarmMain(), user.user, user.password);
  expect(await download(swarmMain(), token, media.id)).toEqual(media.bytes);

  // A fresh page: the rollback's "succeeded" must not stand for the restore's.
  await page.goto("/");
  await page.getByRole("button", { name: "More deployment actions" }).click();
  await page.getByRole("menuitem", { name: "Restore workers" }).click();
  await page.getByRole("dialog", { name: "Restore workers" }).getByRole("button", { name: "Apply" }).click();
  await waitForProgress(page, "succeeded");
  rolledBack = false;
  const back = await api.topology();
  expect(healthOf(back)).toEqual(healthOf(before));
  expect(new Map(back.processes.filter((p) => p.name !== "main").map((p) => [p.name, p.node?.hostname]))).toEqual(placed);
});

test("an unknown node gets 422 naming the known ones; node3's engine stopping during an add there is compensated, leaving no service and no object", async () => {
  const objects = await swarmObjects();
  const files = configFiles();
  const unknown = await api.call<{ error: { code: string; message: string } }>("POST", "/api/workers", { type: "generic", placement: { node: "node9" } });
  expect(unknown.status).toBe(422);
  for (const n of ["node1", "node2", "node3"]) expect(unknown.json.error.message).toContain(n);
  expect(await swarmObjects()).toEqual(objects);
  expect(configFiles()).toEqual(files);

  const started = await api.call<{ operationId: string }>("POST", "/api/workers", { type: "generic", placement: { node: "node3" } });
  expect(started.status, JSON.stringify(started.json)).toBe(202);
  try {
    // Stopped once the add has made its service: a node going away under an operation, not before it.
    await expect
      .poll(async () => (await swarmObjects()).services.filter((s) => !objects.services.includes(s)).length, { timeout: 120_000, intervals: [200], message: "the add's service" })
      .toBeGreaterThan(0);
    stopNodeEngine("node3");
    const op = await api.waitFor(started.json.operationId, 360_000);
    expect(op.status, op.error ?? "").toBe("failed");
    // Nothing of the add is left: the services as before, no config or secret that was not there
    // before (compensation's clean-up may also take an older object no service uses any more).
    const after = await swarmObjects();
    expect(after.services).toEqual(objects.services);
    expect(after.configs.filter((c) => !objects.configs.includes(c))).toEqual([]);
    expect(after.secrets.filter((c) => !objects.secrets.includes(c))).toEqual([]);
    expect(configFiles()).toEqual(files);
  } finally {
    await swarmUp();
  }
  expect(await nodeStates()).toEqual(ALL_READY);
  await processWhen("federation_sender1", (p) => p.node?.hostname === "node3" && p.state === "running", "running on node3 again");
});

test("the lab is left as found: the added worker removed, every service of the lab at home", async () => {
  expect(added, "the worker step 1 added").not.toBe("");
  const op = await api.run("DELETE", `/api/workers/${added}`);
  expect(op.status, op.error ?? "").toBe("succeeded");
  added = "";
  await putLabWorkersHome();
  expect((await swarmObjects()).services).toEqual(found.services);
  const replicas = lines(await docker(["service", "ls", "--format", "{{.Name}} {{.Replicas}}"]));
  expect(replicas.filter((r) => !r.endsWith(" 1/1"))).toEqual([]);
});
