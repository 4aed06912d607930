// The nginx entrypoint in real plans, against the REAL lab: its `lb` service (lab/lb/build.sh's
// image, the contract's labels, the file lab.sh rendered from the route table), while a generic
// worker is added, restarted and removed through lib/operations and a client asks for
// /_matrix/client/versions through :8080 all along. The config dir is left byte for byte as found.
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, renameSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb } from "@/lib/db";
import { previewPlan, runOperation } from "@/lib/operations";
import { nginxInContainer } from "@/lib/operations/lb";
import { captureSnapshot } from "@/lib/operations/snapshot";
import { readDeployment } from "@/lib/synapse/deployment";
import { renderNginx } from "@/lib/synapse/nginx";
import { DEFAULT_LB_CONFIG, renderLbConfig, upstreamOfWorker } from "@/lib/synapse/plan-lb";
import type { Operation } from "@/lib/synapse/plan-schema";
import { nginxRoutes } from "@/lib/topology/routes";
import { docker, eventually, readTree, requireLab } from "./lab-env";

const LB = "fleetlab_lb_1";
const LB_PORT = 8080;
let configDir: string;
let dataDir: string;
let pristine: Map<string, Buffer>;
let lbFile: string;

/** The workers a config names: its upstream members, by the name the renderer writes beside each. */
const membersOf = (text: string) => [...new Set([...text.matchAll(/^\s*server \S+(?: resolve)?; # (\S+)$/gm)].map((m) => m[1]))].sort();
/** What `nginx -t` says in the container (it writes to stderr), and whether it passed. */
function nginxT(): string {
  const r = spawnSync("docker", ["exec", LB, "nginx", "-t"], { encoding: "utf8" });
  return `${r.status === 0 ? "passed" : "failed"}: ${r.stderr.trim()}`;
}
const lbText = () => readFileSync(lbFile, "utf8");
/** A container's stdout and stderr. */
function logsOf(container: string): string {
  const r = spawnSync("docker", ["logs", container], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
  return `${r.stdout}${r.stderr}`;
}
/** The config dir as plans see it: without what Synapse itself writes as it runs (log files, media). */
function configTree(): Map<string, Buffer> {
  return new Map([...readTree(configDir)].filter(([p]) => !/^(logs|media_store)\//.test(p)));
}
function expectSameTree(before: Map<string, Buffer>, after: Map<string, Buffer>): void {
  expect([...after.keys()].sort()).toEqual([...before.keys()].sort());
  for (const [p, bytes] of before) expect(after.get(p)?.equals(bytes), p).toBe(true);
}

/**
 * A GET through the entrypoint as a browser makes it: a graceful `nginx -s reload` closes idle
 * keep-alive connections, and a request that meets one closing before any answer is sent again on
 * a new connection (browsers do this for idempotent requests; Node's fetch does not). Any other
 * failure, or an answer that is not 200, is the entrypoint's.
 */
async function getThroughLb(signal?: AbortSignal): Promise<Response> {
  const url = `http://127.0.0.1:${LB_PORT}/_matrix/client/versions`;
  try {
    return await fetch(url, { signal });
  } catch (err) {
    const code = (err as { cause?: { code?: string } }).cause?.code;
    if (code !== "UND_ERR_SOCKET") throw err;
    return fetch(url, { signal });
  }
}

/** A client asking through the entrypoint every 50 ms until stopped: every answer's status, or its error. */
function client() {
  const results: string[] = [];
  let on = true;
  const loop = (async () => {
    while (on) {
      try {
        const res = await getThroughLb(AbortSignal.timeout(10_000));
        await res.arrayBuffer();
        results.push(String(res.status));
      } catch (err) {
        results.push(`error ${(err as Error).message}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  })();
  return {
    async stop() {
      on = false;
      await loop;
      return { total: results.length, failed: results.filter((r) => r !== "200") };
    },
  };
}

const undo = (op: Operation) => op.steps.filter((s) => s.reason.startsWith("undo:")).map((s) => `${s.kind} ${s.status}`);
const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
  const started = Date.now();
  try {
    return await fn();
  } finally {
    console.log(`[lb-plan] ${what}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }
};

beforeAll(async () => {
  configDir = requireLab().configDir;
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-lb-plan-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  pristine = configTree();
  lbFile = path.join(configDir, DEFAULT_LB_CONFIG);

  // The lab's own entrypoint (its compose `lb` service), on the file the lab rendered from the route table.
  expect(docker("inspect", "-f", "{{.State.Running}}", LB), `${LB} runs (npm run lab -- up workers)`).toBe("true");
  const end = Date.now() + 30_000;
  for (;;) {
    const res = await getThroughLb().catch(() => null);
    if (res?.status === 200) break;
    if (Date.now() > end) throw new Error(`the load balancer does not answer on :${LB_PORT}: ${docker("logs", "--tail", "20", LB)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}, 600_000);

afterAll(async () => {
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  // The lab as found: the config dir byte for byte, the entrypoint's file included.
  expectSameTree(pristine, configTree());
}, 120_000);

describe("plans with an nginx entrypoint, on the real lab", () => {
  let added = "";
  let firstFile = "";

  it("discovery sees the entrypoint; the topology's routes are what its file says", async () => {
    firstFile = lbText();
    const snapshot = await captureSnapshot();
    expect(snapshot.loadBalancer).toMatchObject({ kind: "nginx", name: LB, state: "running", configFile: DEFAULT_LB_CONFIG, check: { ok: true } });
    expect(snapshot.files[DEFAULT_LB_CONFIG]).toBe(firstFile);
    // lab.sh rendered it with the planner's own renderer: the first plan finds what it would write.
    const dep = readDeployment(snapshot);
    expect(firstFile).toBe(renderLbConfig(dep, snapshot.loadBalancer!, dep.workers.flatMap((w) => upstreamOfWorker(w) ?? [])));
    const routes = await nginxRoutes([{ name: LB, labels: { "io.synapse-fleet.role": "load-balancer", "io.synapse-fleet.lb.kind": "nginx" } }], configDir);
    expect(routes?.warning).toBeNull();
    expect(routes?.routes.find((r) => r.rule === "location ~ ^/_matrix/client")?.targets).toEqual(["generic_worker1"]);
    expect(routes?.routes.at(-1)).toMatchObject({ rule: "location /", targets: ["main"] });
  });

  it("adds a generic worker: nginx routes to it once it answers, and the client never sees a failure", async () => {
    const c = client();
    const op = await timed("add", () => runOperation({ kind: "add_worker", type: "generic" }, "lb-plan test"));
    const seen = await c.stop();
    expect(op.status, op.error ?? "").toBe("succeeded");
    added = op.plan.steps.find((s) => s.kind === "create_container")!.process!;
    expect(op.steps.map((s) => s.kind).slice(-2)).toEqual(["wait_healthy", "reload_lb"]);
    expect(membersOf(lbText())).toEqual(["generic_worker1", added, "main", "media_worker"].sort());
    expect(nginxT()).toMatch(/^passed: .*test is successful/s);
    console.log(`[lb-plan] add: ${seen.total} requests through :${LB_PORT}, ${seen.failed.length} failed`);
    expect(seen.failed).toEqual([]);
    expect(seen.total).toBeGreaterThan(10);
    // nginx really sends it a share of the client routes (round robin in the generic pool): its access log says so.
    for (let i = 0; i < 10; i++) expect((await getThroughLb()).status).toBe(200);
    const container = docker("ps", "-q", "--filter", `label=io.synapse-fleet.worker=${added}`);
    await eventually(async () => /GET \/_matrix\/client\/versions/.test(logsOf(container)), 10_000, `${added} to log a request that came through nginx`);
  }, 300_000);

  it("restarts the added worker: routed away while it is down, routed to again once it answers; the client never sees a failure", async () => {
    const before = lbText();
    const c = client();
    const op = await timed("restart", () => runOperation({ kind: "restart", name: added }, "lb-plan test"));
    const seen = await c.stop();
    expect(op.status, op.error ?? "").toBe("succeeded");
    expect(op.steps.map((s) => s.kind)).toEqual(["reload_lb", "restart", "wait_healthy", "reload_lb"]);
    expect(lbText()).toBe(before);
    expect(nginxT()).toMatch(/^passed: .*test is successful/s);
    console.log(`[lb-plan] restart: ${seen.total} requests through :${LB_PORT}, ${seen.failed.length} failed`);
    expect(seen.failed).toEqual([]);
  }, 300_000);

  it("refuses any plan on top of a hand edit nginx -t rejects, with nginx's message, and changes nothing", async () => {
    const good = lbText();
    writeFileSync(lbFile, `${good}fleet_bogus_directive on;\n`);
    const before = configTree();
    const containers = docker("ps", "-a", "--format", "{{.ID}} {{.State}}");
    await expect(previewPlan({ kind: "remove_worker", name: added })).rejects.toThrow(/nginx\/synapse\.conf fails nginx -t in .*unknown directive "fleet_bogus_directive"/);
    await expect(runOperation({ kind: "remove_worker", name: added }, "lb-plan test")).rejects.toThrow(/unknown directive "fleet_bogus_directive"/);
    expectSameTree(before, configTree());
    expect(docker("ps", "-a", "--format", "{{.ID}} {{.State}}")).toBe(containers);
    writeFileSync(lbFile, good);
  }, 120_000);

  it("a failure after the drain puts the file back byte for byte and reloads nginx onto it", async () => {
    const before = lbText();
    process.env.FLEET_TEST_HOOKS = "1";
    process.env.FLEET_TEST_FAIL_AFTER_STEP = "0"; // step 0 is the drain; the stop after it fails
    const c = client();
    let op: Operation;
    try {
      op = await timed("remove, failing after the drain", () => runOperation({ kind: "remove_worker", name: added }, "lb-plan test"));
    } finally {
      delete process.env.FLEET_TEST_HOOKS;
      delete process.env.FLEET_TEST_FAIL_AFTER_STEP;
    }
    const seen = await c.stop();
    expect(op.status).toBe("failed");
    expect(op.steps[0]).toMatchObject({ kind: "reload_lb", status: "compensated" });
    expect(undo(op)).toContain("reload_lb succeeded");
    expect(lbText()).toBe(before);
    expect(membersOf(lbText())).toContain(added);
    expect(nginxT()).toMatch(/^passed: .*test is successful/s);
    expect(docker("ps", "-q", "--filter", `label=io.synapse-fleet.worker=${added}`, "--filter", "status=running")).not.toBe("");
    console.log(`[lb-plan] failed remove: ${seen.total} requests, ${seen.failed.length} failed`);
    expect(seen.failed).toEqual([]);
  }, 300_000);

  it("removes the worker: drained first, then stopped; the file is the first one again", async () => {
    const c = client();
    const op = await timed("remove", () => runOperation({ kind: "remove_worker", name: added }, "lb-plan test"));
    const seen = await c.stop();
    expect(op.status, op.error ?? "").toBe("succeeded");
    expect(op.steps.map((s) => s.kind).slice(0, 3)).toEqual(["reload_lb", "stop", "remove_container"]);
    expect(membersOf(lbText())).toEqual(["generic_worker1", "main", "media_worker"]);
    expect(lbText()).toBe(firstFile);
    expect(nginxT()).toMatch(/^passed: .*test is successful/s);
    console.log(`[lb-plan] remove: ${seen.total} requests through :${LB_PORT}, ${seen.failed.length} failed`);
    expect(seen.failed).toEqual([]);
  }, 300_000);

  it("a reload has handed over when it returns: the very next requests follow the new file, none reaches the worker routed away from", async () => {
    const snapshot = await captureSnapshot();
    const dep = readDeployment(snapshot);
    const lb = snapshot.loadBalancer!;
    const generic = docker("ps", "-q", "--filter", "label=com.docker.compose.service=synapse-worker-generic");
    // generic_worker1 routed away: /_matrix/client goes to main.
    const drained = renderLbConfig(dep, lb, dep.workers.flatMap((w) => (w.name === "generic_worker1" ? [] : (upstreamOfWorker(w) ?? []))));
    const marker = `lb-settle-${Date.now()}`;
    const file = lbText();
    try {
      writeFileSync(`${lbFile}.tmp`, drained);
      renameSync(`${lbFile}.tmp`, lbFile);
      await timed("reload (settled)", () => nginxInContainer.reload(lb.containerId));
      for (let i = 0; i < 20; i++) expect((await fetch(`http://127.0.0.1:${LB_PORT}/_matrix/client/versions?${marker}=${i}`)).status).toBe(200);
      // main logs each of them; generic_worker1 none.
      await eventually(async () => (logsOf("fleetlab_synapse_1").match(new RegExp(marker, "g")) ?? []).length === 20, 10_000, "main to log the 20 requests");
      expect(logsOf(generic).includes(marker)).toBe(false);
    } finally {
      writeFileSync(`${lbFile}.tmp`, file);
      renameSync(`${lbFile}.tmp`, lbFile);
      await nginxInContainer.reload(lb.containerId);
    }
    expect(lbText()).toBe(file);
  }, 60_000);
});

/**
 * nginx (the lb image's) re-resolving the names renderNginx writes, on a network of its own with
 * fixed addresses: two tiny HTTP servers stand for main and a generic worker, each answering its
 * own name, so what nginx routes where is read from the answers.
 */
describe("upstream names nginx re-resolves as it runs (renderNginx's resolve members)", () => {
  const NET = "fleet-lb-resolve-test";
  const SUBNET = "10.213.47";
  const N = { main: "fleet-resolve-main", worker: "fleet-resolve-worker", lb: "fleet-resolve-lb" };
  let confDir = "";
  let url = "";
  const serve = (name: string, ip: string, port: number) =>
    docker(
      "run", "-d", "--name", name, "--network", NET, "--ip", ip, "--network-alias", name, image(),
      "bash", "-c", `mkdir -p /srv/_matrix/client && echo -n ${name} > /srv/_matrix/client/versions && echo -n ${name} > /srv/index.html && cd /srv && exec python3 -m http.server ${port}`,
    );
  const image = () => execFileSync("bash", ["lab/lb/build.sh", "--tag"], { encoding: "utf8" }).trim();
  /** Who answered a GET through nginx, or what went wrong. */
  const who = async (p: string) => {
    try {
      const res = await fetch(`${url}${p}`, { signal: AbortSignal.timeout(5_000) });
      return res.status === 200 ? await res.text() : `status ${res.status}`;
    } catch (err) {
      return `error ${(err as Error).message}`;
    }
  };
  const cleanup = () => {
    spawnSync("docker", ["rm", "-f", N.lb, N.main, N.worker], { stdio: "ignore" });
    spawnSync("docker", ["network", "rm", NET], { stdio: "ignore" });
  };

  beforeAll(async () => {
    cleanup();
    docker("network", "create", "--subnet", `${SUBNET}.0/24`, NET);
    serve(N.main, `${SUBNET}.10`, 8008);
    serve(N.worker, `${SUBNET}.20`, 8009);
    confDir = mkdtempSync(path.join(os.tmpdir(), "fleet-lb-resolve-"));
    writeFileSync(
      path.join(confDir, "synapse.conf"),
      renderNginx({
        listenPort: 8081,
        main: { host: N.main, port: 8008 },
        // generic_worker9's name resolves nowhere: nginx must accept the file and skip it.
        workers: [
          { name: "generic_worker1", kind: "generic", host: N.worker, port: 8009 },
          { name: "generic_worker9", kind: "generic", host: "fleet-resolve-nowhere", port: 8009 },
        ],
      }),
    );
    docker("run", "-d", "--name", N.lb, "--network", NET, "--ip", `${SUBNET}.5`, "-p", "127.0.0.1::8081", "-v", `${confDir}:/etc/nginx/conf.d:ro`, image());
    url = `http://${docker("port", N.lb, "8081/tcp").split("\n")[0]}`;
    await eventually(async () => (await who("/")) === N.main, 15_000, "nginx to answer with main");
  }, 60_000);

  afterAll(() => {
    cleanup();
    if (confDir) rmSync(confDir, { recursive: true, force: true });
  });

  it("nginx -t accepts a member whose name does not resolve, in a hash ... consistent upstream with a zone", () => {
    const conf = readFileSync(path.join(confDir, "synapse.conf"), "utf8");
    expect(conf).toMatch(/upstream synapse_generic_by_user \{\n {4}zone \S+ \d+k;\n {4}resolver 127\.0\.0\.11 valid=2s;\n {4}hash \$fleet_user_key consistent;\n {4}server fleet-resolve-worker:8009 resolve;/);
    const r = spawnSync("docker", ["exec", N.lb, "nginx", "-t"], { encoding: "utf8" });
    expect(r.status, r.stderr).toBe(0);
  });

  it("routes the client paths to the worker, the rest to main, and never to the name that does not resolve", async () => {
    for (let i = 0; i < 10; i++) expect(await who("/_matrix/client/versions")).toBe(N.worker);
    // By user: the hashed upstream picks only members that resolve.
    for (const token of ["syt_YWxpY2U_a_b", "syt_Ym9i_c_d", "other"]) {
      const res = await fetch(`${url}/_matrix/client/v3/sync`, { headers: { Authorization: `Bearer ${token}` } });
      expect(res.status).not.toBe(502);
    }
    expect(await who("/")).toBe(N.main);
  });

  it("a worker back with a new address gets traffic again without a reload, within the resolver's valid= period", async () => {
    const pid = docker("exec", N.lb, "cat", "/run/nginx.pid");
    // What a restart by the engine amounts to for nginx, without the wait for a process to start: the
    // name goes away, then comes back on another address.
    docker("network", "disconnect", NET, N.worker);
    docker("network", "connect", "--ip", `${SUBNET}.30`, "--alias", N.worker, NET, N.worker);
    const back = Date.now();
    await eventually(async () => spawnSync("docker", ["exec", N.lb, "curl", "-sf", `http://${SUBNET}.30:8009/`]).status === 0, 10_000, "the worker on its new address");
    const served = await eventually(async () => ((await who("/_matrix/client/versions")) === N.worker ? Date.now() : null), 15_000, "nginx to route to the worker's new address");
    console.log(`[lb-plan] resolve: the worker on a new address is routed to ${((served - back) / 1000).toFixed(1)} s after it came back (valid=2s)`);
    expect(docker("exec", N.lb, "cat", "/run/nginx.pid")).toBe(pid);
    expect(logsOf(N.lb)).not.toMatch(/signal process started|reconfiguring/);
  }, 60_000);
});
