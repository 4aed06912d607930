import { expect, test, type Page } from "@playwright/test";
import { execFile, execFileSync } from "node:child_process";
import net from "node:net";
import { isDeepStrictEqual, promisify } from "node:util";
import { configFiles, FleetApi, homeserver, httpBase } from "./fleet-api";
import { createRoom, download, getEvent, login, MAIN, registerUser, sendMessage, upload, versions, whoami } from "./matrix";

// One story, in order, against real Synapse: from a single process to workers of every main kind,
// a failure that is put back, a race, then rollback to one process and back again.
test.describe.configure({ mode: "serial", timeout: 480_000 });

// Run without blocking the event loop: while a blocking call runs, the dashboard may close an idle
// kept-alive connection that fetch cannot see closing, and reuses on the next call ("other side closed").
const lab = (...args: string[]) => promisify(execFile)("bash", ["lab/lab.sh", ...args], { timeout: 300_000 });
const managedContainers = () =>
  execFileSync("docker", ["ps", "-aq", "--no-trunc", "--filter", "label=io.synapse-fleet.managed=true"], { encoding: "utf8" }).trim().split("\n").filter(Boolean).sort();

/** The one running container the dashboard made for worker `name`. */
function containerOf(name: string): string {
  const ids = execFileSync("docker", ["ps", "-q", "--filter", `label=io.synapse-fleet.worker=${name}`], { encoding: "utf8" }).trim().split("\n").filter(Boolean);
  expect(ids, `one container for ${name}`).toHaveLength(1);
  return ids[0];
}
/** Its Docker network aliases: the names other processes reach it by. */
function networkAliases(name: string): string[] {
  const out = execFileSync("docker", ["inspect", "--format", "{{json .NetworkSettings.Networks}}", containerOf(name)], { encoding: "utf8" });
  return Object.values(JSON.parse(out) as Record<string, { Aliases: string[] | null }>).flatMap((n) => n.Aliases ?? []);
}
const homeserverText = () => configFiles()["homeserver.yaml"];
const withoutKeys = (o: Record<string, unknown>, keys: string[]) => Object.fromEntries(Object.entries(o).filter(([k]) => !keys.includes(k)));
/** The plans edit homeserver.yaml keeping its comments: every comment line before is still there. */
function expectCommentsKept(before: string, after: string) {
  const comments = (text: string) => text.split("\n").filter((l) => /^\s*#/.test(l)).map((l) => l.trim());
  const kept = comments(after);
  expect(comments(before).filter((c) => !kept.includes(c))).toEqual([]);
}

let api: FleetApi;
let user: { user: string; password: string };
const uploaded = { id: "", bytes: new Uint8Array() };
let operationsSoFar = 0; // every operation in the history: earlier specs' (counted at the start) and every one the story starts, failed ones included

test.beforeAll(async ({ baseURL }) => {
  await lab("reset", "single");
  api = await FleetApi.forTarget(baseURL!, "operator");
  const earlier = await api.call<unknown[]>("GET", "/api/history?limit=200");
  expect(earlier.status).toBe(200);
  operationsSoFar = earlier.json.length; // other specs (the config editor's saves) ran before this story
  user = await registerUser("lifecycle");
});

test.afterAll(async () => {
  await lab("reset", "workers");
});

async function waitForProgress(page: Page, status: "succeeded" | "failed", timeout = 180_000) {
  const progress = page.getByRole("region", { name: "Operation progress" });
  await expect(progress.getByTestId("operation-status")).toHaveAttribute("data-status", status, { timeout });
}

test("one click adds a generic worker to a single process; clients log in through it", async ({ page }) => {
  const hsBefore = homeserver();
  const textBefore = homeserverText();
  await page.goto("/");
  await expect(page.getByRole("article")).toHaveCount(1); // main alone
  await page.getByRole("group", { name: "Deployment actions" }).getByRole("button", { name: "Add worker", exact: true }).click();
  await waitForProgress(page, "succeeded");
  operationsSoFar += 1;
  const t = await api.topology();
  const generic = t.processes.filter((p) => p.type === "generic");
  expect(generic).toHaveLength(1);
  await expect(page.getByRole("article", { name: generic[0].name }).getByTestId("health")).toHaveText("healthy", { timeout: 30_000 });
  // The first worker needs main's replication listener and instance_map.main, nothing else: a
  // generic worker writes no stream, so it has no instance_map entry and stream_writers stays absent.
  const hs = homeserver();
  const replication = { port: 9093, type: "http", bind_addresses: ["0.0.0.0"], resources: [{ names: ["replication"] }] };
  expect(hs.instance_map).toEqual({ main: { host: "synapse", port: 9093 } });
  expect(hs.listeners).toEqual(expect.arrayContaining([replication]));
  expect((hs.listeners as unknown[]).filter((l) => !isDeepStrictEqual(l, replication))).toEqual(hsBefore.listeners);
  expect(hs.stream_writers).toBeUndefined();
  expect(withoutKeys(hs, ["instance_map", "listeners"])).toEqual(withoutKeys(hsBefore, ["instance_map", "listeners"]));
  expectCommentsKept(textBefore, homeserverText());

  const base = httpBase(t, generic[0].name);
  expect(await versions(base)).toEqual(expect.arrayContaining(["v1.11"]));
  const token = await login(base, user.user, user.password);
  expect(await whoami(base, token)).toMatch(new RegExp(`^@${user.user}:`));
});

test("a media worker takes uploads and serves the same bytes back", async () => {
  const op = await api.run("POST", "/api/workers", { type: "media" });
  operationsSoFar += 1;
  expect(op.status, op.error ?? "").toBe("succeeded");
  const t = await api.topology();
  const media = t.processes.find((p) => p.type === "media")!;
  expect(media.health).toBe("healthy");
  expect(homeserver().enable_media_repo).toBe(false);
  const base = httpBase(t, media.name);
  const token = await login(MAIN, user.user, user.password);
  uploaded.bytes = new Uint8Array(Array.from({ length: 4096 }, (_, i) => (i * 31) % 256));
  uploaded.id = await upload(base, token, uploaded.bytes);
  expect(await download(base, token, uploaded.id)).toEqual(uploaded.bytes);
});

test("scaling generic workers to three gives three healthy workers with distinct names and ports", async () => {
  const op = await api.run("PUT", "/api/workers/scale", { type: "generic", count: 3 });
  operationsSoFar += 1;
  expect(op.status, op.error ?? "").toBe("succeeded");
  const t = await api.topology();
  const generic = t.processes.filter((p) => p.type === "generic");
  expect(generic).toHaveLength(3);
  expect(generic.every((p) => p.health === "healthy")).toBe(true);
  expect(new Set(generic.map((p) => p.name)).size).toBe(3);
  const ports = t.processes.flatMap((p) => p.listeners.map((l) => `${p.name}:${l.port}`));
  const httpPorts = generic.map((p) => p.listeners.find((l) => l.type === "http")!.port);
  expect(new Set(httpPorts).size, ports.join(" ")).toBe(3);
  // instance_map names only processes that exist, main included
  const map = homeserver().instance_map ?? {};
  expect(Object.keys(map)).toContain("main");
  const names = new Set(t.processes.map((p) => p.name));
  for (const name of Object.keys(map)) expect(names.has(name), `instance_map.${name}`).toBe(true);
  // each new worker is registered for scraping, and Prometheus reaches it
  for (const p of generic) {
    await expect
      .poll(async () => {
        const r = await fetch(`http://localhost:9090/api/v1/query?query=${encodeURIComponent(`up{worker="${p.name}"}`)}`);
        const body = (await r.json()) as { data: { result: Array<{ value: [number, string] }> } };
        return body.data.result[0]?.value[1] ?? "absent";
      }, { timeout: 60_000, message: `Prometheus up{worker="${p.name}"}` })
      .toBe("1");
  }
  // …labelled as the stock Grafana dashboard tells processes apart: one series per (job, index), main synapse-1
  const r = await fetch(`http://localhost:9090/api/v1/query?query=${encodeURIComponent('count by (job, index) (up{worker!=""})')}`);
  const pairs = ((await r.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
  expect(pairs.filter((p) => p.value[1] !== "1").map((p) => `${p.metric.job}-${p.metric.index}`)).toEqual([]);
  const labels = pairs.map((p) => `${p.metric.job}-${p.metric.index}`);
  expect(labels).toEqual(expect.arrayContaining(["synapse-1", ...generic.map((p) => `generic_worker-${/\d+$/.exec(p.name)![0]}`)]));
  // …and the targets file gives every group its own pair, main's the dashboard's synapse-1.
  const groups = JSON.parse(configFiles()["prometheus/synapse-targets.json"]) as Array<{ labels: Record<string, string> }>;
  const filePairs = groups.map((g) => `${g.labels.job}-${g.labels.index}`);
  expect(new Set(filePairs).size, filePairs.join(" ")).toBe(groups.length);
  expect(groups.find((g) => g.labels.worker === "main")?.labels).toMatchObject({ job: "synapse", index: "1" });
});

test("a federation sender and an event persister join; Synapse accepts it and persists a message sent through a worker", async () => {
  const hsBefore = homeserver();
  const textBefore = homeserverText();
  for (const type of ["federation_sender", "event_persister"]) {
    const op = await api.run("POST", "/api/workers", { type });
    operationsSoFar += 1;
    expect(op.status, `${type}: ${op.error ?? ""}`).toBe("succeeded");
  }
  const t = await api.topology();
  expect(t.processes.some((p) => p.type === "federation_sender")).toBe(true);
  const persister = t.processes.find((p) => p.type === "event_persister")!;
  expect(persister.streams).toEqual(["events"]);
  // homeserver.yaml gained exactly: the sender in federation_sender_instances, the persister in
  // stream_writers.events and in instance_map at an address of its container and its replication port.
  const sender = t.processes.find((p) => p.type === "federation_sender")!;
  const hs = homeserver();
  expect(hs.federation_sender_instances).toEqual([...((hsBefore.federation_sender_instances as string[] | undefined) ?? []), sender.name]);
  expect(hs.stream_writers).toEqual({ ...((hsBefore.stream_writers as object | undefined) ?? {}), events: [persister.name] });
  const replicationPort = persister.listeners.find((l) => l.resources.includes("replication"))?.port;
  expect(replicationPort).toBeDefined();
  expect(Object.keys(hs.instance_map ?? {}).sort()).toEqual([...Object.keys(hsBefore.instance_map ?? {}), persister.name].sort());
  expect(hs.instance_map?.[persister.name]?.port).toBe(replicationPort);
  expect(networkAliases(persister.name)).toContain(hs.instance_map?.[persister.name]?.host);
  for (const [name, entry] of Object.entries(hsBefore.instance_map ?? {})) expect(hs.instance_map?.[name], `instance_map.${name}`).toEqual(entry);
  const changed = ["federation_sender_instances", "stream_writers", "instance_map"];
  expect(withoutKeys(hs, changed)).toEqual(withoutKeys(hsBefore, changed));
  expectCommentsKept(textBefore, homeserverText());
  expect(t.processes.filter((p) => p.health !== "healthy").map((p) => `${p.name}=${p.health}`)).toEqual([]);

  const worker = httpBase(t, t.processes.find((p) => p.type === "generic")!.name);
  const token = await login(worker, user.user, user.password);
  const room = await createRoom(worker, token);
  const eventId = await sendMessage(worker, token, room, "persisted through the event persister");
  expect((await getEvent(MAIN, token, room, eventId)).content.body).toBe("persisted through the event persister");
});

test("an add-worker whose process cannot start fails, and leaves files and containers as they were", async () => {
  const blocker = net.createServer();
  const port = await new Promise<number>((resolve) => blocker.listen(0, "0.0.0.0", () => resolve((blocker.address() as net.AddressInfo).port)));
  try {
    const filesBefore = configFiles();
    const containersBefore = managedContainers();
    const op = await api.run("POST", "/api/workers", { type: "generic", port });
    operationsSoFar += 1;
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(/address already in use|port is already allocated/i);
    expect(configFiles()).toEqual(filesBefore);
    expect(managedContainers()).toEqual(containersBefore);
    const { json: entry } = await api.call<{ status: string; error: string }>("GET", `/api/history/${op.id}`);
    expect(entry).toMatchObject({ status: "failed" });
    expect(entry.error).toMatch(/already/);
  } finally {
    blocker.close();
  }
});

test("two add-worker requests at once: one is accepted, the other gets 409 operation_in_flight and adds nothing", async () => {
  const genericBefore = (await api.topology()).processes.filter((p) => p.type === "generic").length;
  const containersBefore = managedContainers();
  type Answer = { operationId?: string; error?: { code: string; details?: { reason?: string } } };
  const answers = await Promise.all([api.call<Answer>("POST", "/api/workers", { type: "generic" }), api.call<Answer>("POST", "/api/workers", { type: "generic" })]);
  expect(answers.map((r) => r.status).sort()).toEqual([202, 409]);
  const accepted = answers.find((r) => r.status === 202)!;
  const refused = answers.find((r) => r.status === 409)!;
  expect(refused.json.error).toMatchObject({ code: "conflict", details: { reason: "operation_in_flight" } });
  expect(refused.json.operationId).toBeUndefined();
  const op = await api.waitFor(accepted.json.operationId!);
  operationsSoFar += 1;
  expect(op.status, op.error ?? "").toBe("succeeded");
  const t = await api.topology();
  expect(t.processes.filter((p) => p.type === "generic")).toHaveLength(genericBefore + 1);
  expect(managedContainers().filter((id) => !containersBefore.includes(id))).toHaveLength(1);
  const names = t.processes.map((p) => p.name);
  expect(new Set(names).size).toBe(names.length);
  const http = t.processes.flatMap((p) => p.listeners.filter((l) => l.type === "http").map((l) => l.port));
  expect(new Set(http).size).toBe(http.length);
});

test("an operator's docker-compose up -d --remove-orphans neither removes nor duplicates the dashboard's workers", async () => {
  const before = managedContainers();
  const names = (await api.topology()).processes.map((p) => p.name).sort();
  expect(before.length).toBeGreaterThan(0);
  await lab("compose", "up", "-d", "--remove-orphans");
  expect(managedContainers()).toEqual(before);
  expect((await api.topology()).processes.map((p) => p.name).sort()).toEqual(names);
});

test("rollback to single process leaves main serving client and media; restore brings the workers back", async ({ page }) => {
  const workersBefore = (await api.topology()).processes.filter((p) => p.name !== "main").map((p) => p.name).sort();
  expect(workersBefore.length).toBeGreaterThanOrEqual(6);
  await page.goto("/");
  await page.getByRole("button", { name: "More deployment actions" }).click();
  await page.getByRole("menuitem", { name: "Rollback to single process" }).click();
  const dialog = page.getByRole("dialog", { name: "Rollback to single process" });
  // The dialog lists every step of the plan, in order: each worker stopped and its container
  // removed, the files written, main restarted and waited for.
  const steps = dialog.getByTestId("plan").getByRole("region", { name: "Steps" }).getByRole("listitem");
  await expect(steps.first()).toBeVisible();
  const lines = await steps.allInnerTexts();
  const preview = await api.call<{ steps: unknown[] }>("POST", "/api/plans", { intent: { kind: "rollback_to_single_process" } });
  expect(preview.status).toBe(200);
  expect(lines).toHaveLength(preview.json.steps.length);
  for (const name of workersBefore) {
    expect(lines.filter((l) => l.startsWith(`Stop ${name} `)), `stop ${name}`).toHaveLength(1);
    expect(lines.filter((l) => l.startsWith(`Remove container ${name} `)), `remove ${name}`).toHaveLength(1);
  }
  expect(lines.filter((l) => /^(Stop|Remove container) /.test(l))).toHaveLength(2 * workersBefore.length);
  expect(lines.filter((l) => l.startsWith("Write config files"))).toHaveLength(1);
  expect(lines.filter((l) => l.startsWith("Restart main "))).toHaveLength(1);
  expect(lines.at(-1)).toMatch(/^Wait until healthy main /);
  await dialog.getByRole("button", { name: "Apply" }).click();
  await waitForProgress(page, "succeeded");
  operationsSoFar += 1;
  await expect(page.getByRole("article")).toHaveCount(1);

  const t = await api.topology();
  expect(t.processes.map((p) => p.name)).toEqual(["main"]);
  expect(homeserver().instance_map).toBeUndefined();
  const token = await login(MAIN, user.user, user.password);
  expect(await download(MAIN, token, uploaded.id)).toEqual(uploaded.bytes);

  await page.goto("/history");
  const entries = page.getByRole("list", { name: "Operations" }).getByRole("article");
  // The page shows 50 at a time; the whole suite's operations may be more: load them all.
  const older = page.getByRole("button", { name: "Load older operations" });
  for (let shown = 0; shown < operationsSoFar; ) {
    await expect(entries.first()).toBeVisible();
    shown = await entries.count();
    if (shown >= operationsSoFar || !(await older.isVisible())) break;
    await older.click();
    await expect(entries).not.toHaveCount(shown);
  }
  await expect(entries).toHaveCount(operationsSoFar);
  await expect(page.getByRole("list", { name: "Operations" })).toContainText("failed");

  await page.goto("/");
  await page.getByRole("button", { name: "More deployment actions" }).click();
  await page.getByRole("menuitem", { name: "Restore workers" }).click();
  await page.getByRole("dialog", { name: "Restore workers" }).getByRole("button", { name: "Apply" }).click();
  await waitForProgress(page, "succeeded", 240_000);
  const back = await api.topology();
  expect(back.processes.filter((p) => p.name !== "main").map((p) => p.name).sort()).toEqual(workersBefore);
  expect(back.processes.filter((p) => p.health !== "healthy").map((p) => `${p.name}=${p.health}`)).toEqual([]);
});
