// Compensation on the REAL lab, after each kind of step the planner's own plans take: a failure
// comes after a write_files, create_container, start, stop, remove_container, restart, reload or
// reload_lb step, or a health wait really fails. Each time the lab must be as before — config files
// byte for byte (the nginx entrypoint's included), every container equal in docker inspect apart
// from ids, timestamps and state, every Synapse process healthy and on Redis replication, nginx
// routing by the file on disk — and the operation `failed` with exactly the steps it carried out
// `compensated`. Failures are real where that is cheap (a taken container name or host
// port, a container stopped behind the executor's back, a file edited meanwhile, Redis stopped) and
// injected with FLEET_TEST_FAIL_AFTER_STEP (lib/operations/test-hooks.ts) where it is not.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db";
import { runCheck } from "@/lib/diagnostics";
import { getOperation, saveConfigFile, startOperation } from "@/lib/operations";
import { fileVersion } from "@/lib/synapse/file-version";
import { maskValue } from "@/lib/synapse/secrets";
import type { Intent, Operation } from "@/lib/synapse/plan-schema";
import { comparable, inspect, labUpWorkers } from "./fidelity-helpers";
import { docker, eventually, labContainer, readTree, requireLab } from "./lab-env";

const SENDER = "federation_sender1";
const SENDER_FILE = `workers/${SENDER}.yaml`;
const GENERIC = "generic_worker1";
const LB_FILE = "nginx/synapse.conf";
const LB_URL = "http://127.0.0.1:8080";
const HOOK_ENV = ["FLEET_TEST_HOOKS", "FLEET_TEST_PAUSE_AFTER_STEP", "FLEET_TEST_PAUSE_FILE", "FLEET_TEST_RESUME_FILE", "FLEET_TEST_FAIL_AFTER_STEP", "FLEET_HEALTH_TIMEOUT_MS"];

let configDir: string;
let dataDir: string;
let pristine: Map<string, Buffer>;
let runs = 0;
/** The nginx entrypoint's container name, as plans name it in reload_lb steps. */
let lbName: string;

/** The lab's containers and the ones the dashboard made, by name: id and what docker inspect says minus ids, timestamps and state. */
function containers(): Map<string, { id: string; inspect: object }> {
  const list = (label: string) => docker("ps", "-aq", "--no-trunc", "--filter", `label=${label}`).split("\n").filter(Boolean);
  const out = new Map<string, { id: string; inspect: object }>();
  for (const id of new Set([...list("com.docker.compose.project=fleetlab"), ...list("io.synapse-fleet.managed=true")])) {
    const info = inspect(id);
    out.set(info.Name, { id, inspect: comparable(info) });
  }
  return out;
}

/** Every container of the lab running (healthy where it has a healthcheck), and every worker subscribed to Redis replication. */
async function labHealthy(timeoutMs = 180_000): Promise<void> {
  await eventually(async () => {
    const states = docker("inspect", "-f", "{{.State.Status}} {{if .State.Health}}{{.State.Health.Status}}{{else}}none{{end}}", ...[...containers().values()].map((c) => c.id)).split("\n");
    return states.every((s) => s === "running healthy" || s === "running none");
  }, timeoutMs, "every lab container running and healthy");
  await eventually(async () => (await runCheck("redis")).status === "pass", 60_000, "every worker subscribed to Redis replication");
}

/** A container's whole log (or since a time), stdout and stderr interleaved as the engine keeps them (what failureLogs is cut from). */
const logOf = (id: string, since = "0") =>
  execFileSync("sh", ["-c", 'docker logs --since "$2" "$1" 2>&1', "sh", id, since], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }).split("\n").filter(Boolean);
/** What the operation promises of a process's lines: the same lines, masked as every API answer is (a Synapse URL may carry an access_token). */
const maskedLogOf = (id: string) => logOf(id).map(maskValue);

/** A GET through the entrypoint on a connection of its own: a kept-alive one could meet an nginx worker of the config before. */
function getThroughLb(pathAndQuery: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(`${LB_URL}${pathAndQuery}`, { agent: false, timeout: 10_000 }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        if (body.length < 1_000_000) body += chunk;
      });
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("timeout", () => req.destroy(new Error(`GET ${pathAndQuery} through :8080 timed out`)));
    req.on("error", reject);
  });
}

/**
 * Which Synapse process nginx sends a client route to now: a marked GET of /_matrix/client/versions
 * through :8080 (the lab's file routes /_matrix/client to the generic pool, to main without one),
 * found in the access log of main or the generic worker. nginx answering it also proves it serves.
 */
async function servedBy(): Promise<string> {
  const marker = `fleet_comp_probe=${Date.now()}${Math.random().toString(36).slice(2, 8)}`;
  const since = String(Math.floor(Date.now() / 1000) - 1);
  const res = await getThroughLb(`/_matrix/client/versions?${marker}`);
  expect(res.status, "/_matrix/client/versions through :8080").toBe(200);
  expect((JSON.parse(res.body) as { versions?: unknown }).versions).toBeInstanceOf(Array);
  const candidates = { main: labContainer("synapse"), [GENERIC]: labContainer("synapse-worker-generic") };
  return eventually(async () => Object.entries(candidates).find(([, id]) => logOf(id, since).some((l) => l.includes(marker)))?.[0], 15_000, `the access log line of ${marker}`);
}

/**
 * nginx routes client requests to `process`. `nginx -s reload` only signals the master, which then
 * starts workers on the new file, so a reload's effect is waited for (bounded: a file that never
 * loads fails here).
 */
const routesTo = (process: string) => eventually(async () => (await servedBy()) === process, 20_000, `nginx sending /_matrix/client to ${process}`);

/** nginx has the file on disk loaded: `nginx -T` shows it byte for byte, and a client route reaches the generic worker it names. */
async function expectLbLoaded(text: string): Promise<void> {
  const dump = execFileSync("docker", ["exec", labContainer("lb"), "nginx", "-T"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"], maxBuffer: 16 * 1024 * 1024 });
  expect(dump.includes(`# configuration file /etc/nginx/conf.d/synapse.conf:\n${text}`), "nginx -T shows the file as on disk").toBe(true);
  await routesTo(GENERIC);
}

interface Before {
  files: Map<string, Buffer>;
  containers: ReturnType<typeof containers>;
}
const observe = (): Before => ({ files: readTree(configDir), containers: containers() });
const senderName = (before: Before) => [...before.containers.keys()].find((n) => n.includes("federation-sender"))!;

/** The lab is as `before`: files byte for byte, the same containers, equal in inspect; only `recreated` may have new ids. All healthy. */
async function expectPutBack(before: Before, recreated: string[] = []): Promise<void> {
  expect(readTree(configDir)).toEqual(before.files);
  const now = containers();
  expect([...now.keys()].sort()).toEqual([...before.containers.keys()].sort());
  for (const [name, was] of before.containers) {
    expect(now.get(name)!.inspect, name).toEqual(was.inspect);
    if (!recreated.includes(name)) expect(now.get(name)!.id, `${name} kept its container`).toBe(was.id);
    else expect(now.get(name)!.id, `${name} re-created`).not.toBe(was.id);
  }
  await labHealthy();
  await expectLbLoaded(before.files.get(LB_FILE)!.toString("utf8"));
}

/** `kind:status` of the plan's steps, then of the undo steps compensation added. */
function stepsOf(op: Operation): { plan: string[]; undo: string[] } {
  // A wait's target is the list of processes it waited for: checked apart (waitedFor).
  const line = (s: Operation["steps"][number]) => `${s.kind}${s.target && s.kind !== "wait_healthy" ? ` ${s.target}` : ""}:${s.status}`;
  const n = op.plan.steps.length;
  return { plan: op.steps.slice(0, n).map(line), undo: op.steps.slice(n).map(line) };
}

/**
 * pauseAfter: pause after that plan step (FLEET_TEST_PAUSE_AFTER_STEP), run whilePaused, go on.
 * failAfter: the step after that one fails as it begins (FLEET_TEST_FAIL_AFTER_STEP).
 * watch: called with the operation as recorded, every 200 ms until it ends.
 */
interface Hooks {
  pauseAfter?: number;
  whilePaused?: (op: Operation) => void | Promise<void>;
  failAfter?: number;
  watch?: (op: Operation) => void;
  healthTimeoutMs?: number;
}

/** The processes compensation's last step waited for: every one that ran before. */
const waitedFor = (op: Operation) => op.steps.at(-1)!.target!.split(", ").sort();
const LAB_PROCESSES = ["federation_sender1", "generic_worker1", "main", "media_worker"];
/**
 * The riskiest case's health wait: it must time out, and compensation's own wait gets as long to see
 * everything back (measured under 3 s after the restarts, so 25 s leaves a wide margin on a loaded machine).
 */
const HEALTH_TIMEOUT_MS = 25_000;

/** Starts an operation with the test hooks set, and waits for its end. */
async function run(what: string, start: () => Promise<{ operationId: string } | { unchanged: true }>, hooks: Hooks = {}): Promise<Operation> {
  const t0 = Date.now();
  const pauseFile = path.join(dataDir, `paused-${++runs}`);
  const resumeFile = path.join(dataDir, `resume-${runs}`);
  Object.assign(process.env, { FLEET_TEST_HOOKS: "1", FLEET_HEALTH_TIMEOUT_MS: String(hooks.healthTimeoutMs ?? 90_000) });
  if (hooks.pauseAfter !== undefined) Object.assign(process.env, { FLEET_TEST_PAUSE_AFTER_STEP: String(hooks.pauseAfter), FLEET_TEST_PAUSE_FILE: pauseFile, FLEET_TEST_RESUME_FILE: resumeFile });
  if (hooks.failAfter !== undefined) process.env.FLEET_TEST_FAIL_AFTER_STEP = String(hooks.failAfter);
  try {
    const started = await start();
    if (!("operationId" in started)) throw new Error(`${what}: the edit changed nothing, no operation started`);
    const current = async () => (await getOperation(started.operationId))!;
    const ended = async () => {
      const op = await current();
      hooks.watch?.(op);
      return op.status !== "applying" && op;
    };
    if (hooks.pauseAfter !== undefined) {
      await eventually(async () => {
        if (await ended()) throw new Error(`${what}: the operation ended before step ${hooks.pauseAfter}: ${(await current()).error}`);
        return fs.existsSync(pauseFile);
      }, 180_000, `${what}: the pause after step ${hooks.pauseAfter}`);
      let broken: unknown = null;
      try {
        await hooks.whilePaused?.(await current());
      } catch (err) {
        broken = err ?? new Error("whilePaused threw");
      }
      // Even when the breakage went wrong: a paused operation would hold the deployment for good,
      // and one left running would change the lab under afterAll's repair, so it is waited for too.
      fs.writeFileSync(resumeFile, "");
      if (broken) {
        await eventually(ended, 400_000, `${what}: the operation to end after a failed whilePaused`);
        throw broken;
      }
    }
    const op = await eventually(ended, 400_000, `${what}: the operation to end`);
    const undo = op.steps.slice(op.plan.steps.length);
    const undone = undo.length ? (Date.parse(undo.at(-1)!.finishedAt!) - Date.parse(undo[0].startedAt!)) / 1000 : 0;
    console.log(`[timing] ${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s to ${op.status}, undone in ${undone.toFixed(1)} s (its wait: ${op.steps.at(-1)?.message})`);
    return op;
  } finally {
    for (const k of HOOK_ENV) delete process.env[k];
  }
}

const add = (name: string, port?: number): Intent => ({ kind: "add_worker", type: "generic", name, ...(port ? { port } : {}) });
const removeSender: Intent = { kind: "remove_worker", name: SENDER };
const removeGeneric: Intent = { kind: "remove_worker", name: GENERIC };

/** Saves a config file through the editor's path (an edit_files operation), changed by `edit`. */
const save = (rel: string, edit: (text: string) => string) => () => {
  const disk = fs.readFileSync(path.join(configDir, rel), "utf8");
  const content = edit(disk);
  if (content === disk) throw new Error(`the edit of ${rel} found nothing to change`);
  return saveConfigFile({ path: rel, content, baseVersion: fileVersion(disk) }, "compensation-test");
};

beforeAll(async () => {
  ({ configDir } = requireLab());
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), "fleet-compensation-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  // An earlier test file may have left the lab settling.
  await labHealthy(240_000);
  pristine = readTree(configDir);
  lbName = inspect(labContainer("lb")).Name.replace(/^\//, "");
}, 300_000);

afterAll(async () => {
  // Safety net after a failed assertion: Redis up, no test container left, files as found, the lab whole.
  docker("start", labContainer("redis"));
  for (const c of docker("ps", "-aq", "--filter", "name=-worker-comp_").split("\n").filter(Boolean)) docker("rm", "-f", c);
  const now = readTree(configDir);
  for (const [rel, bytes] of pristine) if (!now.get(rel)?.equals(bytes)) fs.writeFileSync(path.join(configDir, rel), bytes);
  // nginx keeps what it loaded until told: a file put back here is loaded too.
  if (!now.get(LB_FILE)?.equals(pristine.get(LB_FILE)!)) docker("exec", labContainer("lb"), "nginx", "-s", "reload");
  for (const rel of now.keys()) if (!pristine.has(rel) && /^workers\/comp_\w+\.yaml$/.test(rel)) fs.rmSync(path.join(configDir, rel));
  if (![...containers().keys()].some((n) => n.includes("federation-sender"))) labUpWorkers();
  await labHealthy().catch(() => labUpWorkers());
  await closeDb();
  fs.rmSync(dataDir, { recursive: true, force: true });
}, 400_000);

describe("compensation on the real lab, after each kind of step", () => {
  it("after write_files (an add whose container name is taken): the files are put back", async () => {
    const before = observe();
    let blocker = "";
    const op = await run("add, fail after write_files", () => startOperation(add("comp_name"), "compensation-test"), {
      pauseAfter: 0,
      whilePaused: (o) => {
        const step = o.plan.steps[1];
        if (step.kind !== "create_container") throw new Error(`step 2 is ${step.kind}`);
        // A container of that name made behind the dashboard's back, between its two steps.
        blocker = docker("create", "--name", step.spec.name, step.spec.image, "true");
      },
    });
    docker("rm", "-f", blocker);
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(/^Step 2 \(create_container comp_name\) failed: .*already in use/);
    expect(stepsOf(op)).toEqual({
      // The new worker would be routed to once it answered: that reload never came.
      plan: ["write_files:compensated", "create_container comp_name:failed", "start comp_name:skipped", "wait_healthy:skipped", `reload_lb ${lbName}:skipped`],
      undo: ["write_files:succeeded", "wait_healthy:succeeded"],
    });
    await expectPutBack(before);
  }, 300_000);

  it("after create_container (an add whose host port is taken): the container goes, the files are put back", async () => {
    const before = observe();
    const blocker = net.createServer();
    await new Promise<void>((resolve) => blocker.listen(0, "0.0.0.0", resolve));
    try {
      const port = (blocker.address() as net.AddressInfo).port;
      const op = await run("add, fail after create_container", () => startOperation(add("comp_port", port), "compensation-test"));
      expect(op.status).toBe("failed");
      expect(op.error).toMatch(/^Step 3 \(start comp_port\) failed: .*(port is already allocated|address already in use)/);
      expect(stepsOf(op)).toEqual({
        plan: ["write_files:compensated", "create_container comp_port:compensated", "start comp_port:failed", "wait_healthy:skipped", `reload_lb ${lbName}:skipped`],
        undo: ["write_files:succeeded", "remove_container comp_port:succeeded", "wait_healthy:succeeded"],
      });
      expect(waitedFor(op)).toEqual(LAB_PROCESSES);
    } finally {
      await new Promise((r) => blocker.close(r));
    }
    await expectPutBack(before);
  }, 300_000);

  it("after start (the new worker stopped behind the executor's back): its wait fails with its real last lines, it goes", async () => {
    const before = observe();
    let lines: string[] = [];
    const op = await run("add, fail after start", () => startOperation(add("comp_stop"), "compensation-test"), {
      pauseAfter: 2,
      whilePaused: async (o) => {
        const step = o.plan.steps[1];
        if (step.kind !== "create_container") throw new Error(`step 2 is ${step.kind}`);
        await eventually(async () => logOf(step.spec.name).length > 0, 60_000, "the new worker's first log line");
        docker("stop", "-t", "5", step.spec.name);
        lines = maskedLogOf(step.spec.name);
      },
    });
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(/^Step 4 \(wait_healthy comp_stop\) failed: comp_stop exited with code \d+/);
    expect(stepsOf(op)).toEqual({
      plan: ["write_files:compensated", "create_container comp_stop:compensated", "start comp_stop:compensated", "wait_healthy:failed", `reload_lb ${lbName}:skipped`],
      undo: ["write_files:succeeded", "remove_container comp_stop:succeeded", "wait_healthy:succeeded"],
    });
    // Its own last lines, as the engine had them when it stopped.
    expect(op.failureLogs?.length).toBeGreaterThan(0);
    expect(lines.slice(-op.failureLogs!.length)).toEqual(op.failureLogs);
    await expectPutBack(before);
  }, 300_000);

  it("after stop (a removal of a compose worker whose remove step fails): the worker is started again, the same container", async () => {
    const before = observe();
    const op = await run("remove, fail after stop", () => startOperation(removeSender, "compensation-test"), { failAfter: 0 });
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(new RegExp(`^Step 2 \\(remove_container ${SENDER}\\) failed: injected by FLEET_TEST_FAIL_AFTER_STEP=0`));
    expect(stepsOf(op)).toEqual({
      plan: [`stop ${SENDER}:compensated`, `remove_container ${SENDER}:failed`, "write_files:skipped", "restart main:skipped", "wait_healthy:skipped"],
      undo: [`start ${SENDER}:succeeded`, "wait_healthy:succeeded"],
    });
    expect(waitedFor(op)).toEqual(LAB_PROCESSES);
    await expectPutBack(before);
  }, 300_000);

  it("after remove_container (its worker file edited meanwhile, so the write refuses): the container is re-created as it was, the edit is not overwritten", async () => {
    const before = observe();
    const file = path.join(configDir, SENDER_FILE);
    const edited = `${before.files.get(SENDER_FILE)!.toString("utf8")}# edited while the removal was under way\n`;
    const op = await run("remove, fail after remove_container", () => startOperation(removeSender, "compensation-test"), {
      pauseAfter: 1,
      whilePaused: () => fs.writeFileSync(file, edited),
    });
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(new RegExp(`^Step 3 \\(write_files\\) failed: .*${SENDER_FILE} changed on disk since the plan was made`));
    expect(stepsOf(op)).toEqual({
      plan: [`stop ${SENDER}:compensated`, `remove_container ${SENDER}:compensated`, "write_files:failed", "restart main:skipped", "wait_healthy:skipped"],
      undo: [`create_container ${SENDER}:succeeded`, `start ${SENDER}:succeeded`, "wait_healthy:succeeded"],
    });
    expect(fs.readFileSync(file, "utf8")).toBe(edited);
    fs.writeFileSync(file, before.files.get(SENDER_FILE)!);
    await expectPutBack(before, [senderName(before)]);
  }, 300_000);

  it("after write_files and restart (a removal whose health wait fails): the three files back, the worker re-created and started, main restarted onto the old config", async () => {
    const before = observe();
    const op = await run("remove, fail after restart", () => startOperation(removeSender, "compensation-test"), { failAfter: 3 });
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(/^Step 5 \(wait_healthy main\) failed: injected by FLEET_TEST_FAIL_AFTER_STEP=3/);
    expect(op.plan.files.map((f) => f.path).sort()).toEqual(["homeserver.yaml", "prometheus/synapse-targets.json", SENDER_FILE]);
    expect(stepsOf(op)).toEqual({
      plan: [`stop ${SENDER}:compensated`, `remove_container ${SENDER}:compensated`, "write_files:compensated", "restart main:compensated", "wait_healthy:failed"],
      undo: ["write_files:succeeded", `create_container ${SENDER}:succeeded`, `start ${SENDER}:succeeded`, "restart main:succeeded", "wait_healthy:succeeded"],
    });
    expect(waitedFor(op)).toEqual(LAB_PROCESSES);
    await expectPutBack(before, [senderName(before)]);
  }, 300_000);

  it("after reload (a log config edit whose health wait fails): the file back, every process told to re-read it", async () => {
    const before = observe();
    // The media worker's own log config writes to a file, so a save reloads it (SIGHUP); log.config
    // logs to the console, which Synapse cannot re-read without looping (those processes restart).
    const naming = ["media_worker"];
    const lastReload = naming.length; // step 0 writes the file, steps 1…n reload, then the wait
    const op = await run("log config edit, fail after reload", save("media_worker.log.config", (t) => t.replace("synapse.storage.SQL:\n    level: INFO", "synapse.storage.SQL:\n    level: WARNING")), { failAfter: lastReload });
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(new RegExp(`^Step ${lastReload + 2} \\(wait_healthy [^)]*\\) failed: injected by FLEET_TEST_FAIL_AFTER_STEP=${lastReload}`));
    const { plan, undo } = stepsOf(op);
    expect(plan).toEqual(["write_files:compensated", ...naming.map(() => expect.stringMatching(/^reload \w+:compensated$/)), "wait_healthy:failed"]);
    expect(undo[0]).toBe("write_files:succeeded");
    expect(undo.slice(1, -1).sort()).toEqual(naming.map((p) => `reload ${p}:succeeded`));
    expect(undo.at(-1)).toBe("wait_healthy:succeeded");
    await expectPutBack(before);
  }, 300_000);

  it("after reload_lb (a removal of the generic worker, drained from nginx, whose stop fails): the nginx file back and loaded, the worker served through :8080 again", async () => {
    const before = observe();
    let drained = false;
    const op = await run("remove, fail after reload_lb", () => startOperation(removeGeneric, "compensation-test"), {
      pauseAfter: 0,
      failAfter: 0,
      whilePaused: async (o) => {
        const step = o.plan.steps[0];
        if (step.kind !== "reload_lb") throw new Error(`step 1 is ${step.kind}`);
        expect(step.after).not.toContain(`# ${GENERIC}`);
        // The drain is live, so the check after compensation tells the two files apart.
        drained = await routesTo("main");
      },
    });
    expect(drained, "a client route went to main while the worker was drained").toBe(true);
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(new RegExp(`^Step 2 \\(stop ${GENERIC}\\) failed: injected by FLEET_TEST_FAIL_AFTER_STEP=0`));
    expect(stepsOf(op)).toEqual({
      plan: [`reload_lb ${lbName}:compensated`, `stop ${GENERIC}:failed`, `remove_container ${GENERIC}:skipped`, "write_files:skipped", ...["main", SENDER, "media_worker"].map((p) => `restart ${p}:skipped`), "wait_healthy:skipped"],
      undo: [`write_files ${LB_FILE}:succeeded`, `reload_lb ${lbName}:succeeded`, "wait_healthy:succeeded"],
    });
    await expectPutBack(before);
  }, 300_000);

  it("homeserver.yaml changed, main and workers restarted, then the health wait times out (Redis stopped): files back byte for byte, everything restarted onto them and healthy, the failing worker's real last lines kept", async () => {
    const before = observe();
    const redis = labContainer("redis");
    let redisBack = false;
    const op = await run("homeserver.yaml edit, the wait times out", save("homeserver.yaml", (t) => `${t}max_upload_size: 60M\n`), {
      healthTimeoutMs: HEALTH_TIMEOUT_MS,
      // After the last restart: every process runs the new homeserver.yaml, then replication goes.
      pauseAfter: 4,
      whilePaused: (o) => {
        // max_upload_size is nginx's client_max_body_size too: loaded once everything answers.
        expect(o.plan.steps.map((s) => s.kind)).toEqual(["write_files", "restart", "restart", "restart", "restart", "wait_healthy", "reload_lb"]);
        docker("stop", redis);
      },
      // Redis comes back once the wait has failed, while compensation restarts everything.
      watch: (o) => {
        if (!redisBack && o.steps[5]?.status === "failed") {
          redisBack = true;
          docker("start", redis);
        }
      },
    });
    expect(redisBack).toBe(true);
    expect(op.status).toBe("failed");
    const failed = /^Step 6 \(wait_healthy [^)]*\) failed: not healthy after (\d+) s: (.*)$/.exec(op.error ?? "");
    expect(failed, op.error ?? "").not.toBeNull();
    expect(Number(failed![1])).toBe(HEALTH_TIMEOUT_MS / 1000);
    // Every worker answers /health but is cut off from replication; main is not held to Redis.
    const down = failed![2].split(/, (?=\w+ \()/);
    expect(down).toEqual(["federation_sender1", "generic_worker1", "media_worker"].map((w) => `${w} (answering, but not subscribed to Redis replication)`));
    const { plan, undo } = stepsOf(op);
    expect(plan).toEqual(["write_files:compensated", ...["main", "federation_sender1", "generic_worker1", "media_worker"].map((p) => `restart ${p}:compensated`), "wait_healthy:failed", `reload_lb ${lbName}:skipped`]);
    expect(undo[0]).toBe("write_files:succeeded");
    expect(undo.slice(1, -1).sort()).toEqual(LAB_PROCESSES.map((p) => `restart ${p}:succeeded`));
    expect(undo.at(-1)).toBe("wait_healthy:succeeded");
    expect(waitedFor(op)).toEqual(LAB_PROCESSES);
    // Restarted for real, onto the restored file: every Synapse container started after the wait failed.
    const waitFailedAt = Date.parse(op.steps[5].finishedAt!);
    for (const [name, { id }] of before.containers) if (name.includes("synapse")) expect(Date.parse(inspect(id).State.StartedAt), name).toBeGreaterThan(waitFailedAt);

    // The failing process's own last lines: the sender's, as its container logged them.
    // Cut off from Redis (a stopped container has no DNS name), it logs each try to reconnect.
    const senderLog = maskedLogOf(before.containers.get(senderName(before))!.id);
    expect(op.failureLogs?.length).toBe(50);
    for (const line of op.failureLogs!) expect(senderLog).toContain(line);
    expect(op.failureLogs!.filter((l) => /synapse\.replication\.tcp\.redis .* Connection to redis server redis:6379 failed/.test(l)).length).toBeGreaterThan(0);
    await expectPutBack(before);
  }, 400_000);
});
