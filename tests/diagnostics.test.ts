// The diagnostics against the REAL lab: each case breaks one thing for real, checks that the right
// check notices it with its evidence and fix, then puts the lab back (files byte for byte) and waits
// until every process is healthy and the checks are green again. Run under the lab lock.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import http from "node:http";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCheck, runDiagnostics } from "@/lib/diagnostics";
import { connectionSettings } from "@/lib/diagnostics/connection-settings";
import { docker, eventually, labContainer, readTree, requireLab } from "./lab-env";

let configDir: string;
let entrypoint: string;
const SYNAPSE_SERVICES = ["synapse", "synapse-worker-generic", "synapse-worker-media", "synapse-worker-federation-sender"];
// The share part of routing over 30 s instead of 15 min: older traffic sent straight to main's port
// (main-hot's load below, other files' clients) says nothing about the entrypoint and would make it warn.
const SHORT_ROUTING = { routingWindowSeconds: 30 };
/** What routing says of the lab's two routed workers while nginx's file names them. */
const GENERIC_ROUTED = "generic_worker1 (generic) gets generic's routes through synapse_generic, synapse_generic_by_user";
const MEDIA_ROUTED = "media_worker (media) gets media's routes through synapse_media";

/** Every lab container running, none unhealthy or starting, and Redis replication whole again. */
async function labHealthy(): Promise<void> {
  await eventually(async () => {
    for (const s of [...SYNAPSE_SERVICES, "lb", "redis", "postgres", "prometheus"]) {
      const [running, health] = docker("inspect", "-f", "{{.State.Running}} {{if .State.Health}}{{.State.Health.Status}}{{end}}", labContainer(s)).split(" ");
      if (running !== "true" || health === "unhealthy" || health === "starting") return false;
    }
    // A process the file before this one re-created is scraped again within a few seconds.
    return (await runCheck("redis")).status === "pass" && (await runCheck("scrape")).status === "pass";
  }, 120_000, "the lab to be healthy, every process subscribed to Redis and scraped by Prometheus");
}

/** A throwaway worker container made like the lab's generic worker, with its own worker file (and network alias, as plans give one). */
function throwawayWorker(name: string, file: string, opts: { start: boolean; network: string; alias?: string }): string {
  const model = JSON.parse(docker("inspect", labContainer("synapse-worker-generic")))[0] as { Config: { Image: string; Env: string[] }; HostConfig: { Binds: string[] } };
  const binds = model.HostConfig.Binds.flatMap((b) => ["-v", b]);
  const env = model.Config.Env.flatMap((e) => ["-e", e]); // PYTHONPATH carries the lab's txredisapi
  const alias = opts.alias ? ["--network-alias", opts.alias] : [];
  const args = ["--name", `fleetdiag-${name}`, "--network", opts.network, ...alias, ...binds, ...env, model.Config.Image, "python3", "-m", "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml", "--config-path", `/data/${file}`];
  return docker(opts.start ? "run" : "create", ...(opts.start ? ["-d"] : []), ...args);
}

/** Client requests as a client that knows only the entrypoint sends them; each must be answered 200. */
async function throughEntrypoint(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await fetch(`${entrypoint}/_matrix/client/versions`);
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`GET ${entrypoint}/_matrix/client/versions answered ${res.status}`);
  }
}

/** Whether a process answers GET /health on an address, within a second. */
async function answersHealth(host: string, port: number): Promise<boolean> {
  try {
    return (await fetch(`http://${host}:${port}/health`, { signal: AbortSignal.timeout(1_000) })).ok;
  } catch {
    return false; // not listening yet
  }
}

function workerFile(name: string, port: number): string {
  return `worker_app: synapse.app.generic_worker\nworker_name: ${name}\nworker_listeners:\n  - type: http\n    port: ${port}\n    bind_addresses: ['0.0.0.0']\n    resources:\n      - names: [client]\n`;
}

beforeAll(async () => {
  configDir = requireLab().configDir;
  const url = process.env.FLEET_LAB_ENTRYPOINT_URL;
  if (!url) throw new Error("FLEET_LAB_ENTRYPOINT_URL is not set: the lab's env (bash lab/lab.sh env) names its nginx entrypoint");
  entrypoint = url.replace(/\/+$/, "");
  await labHealthy();
}, 180_000);

afterAll(() => {
  // Whatever a failed case left behind: the throwaway containers and files are ours alone.
  for (const n of ["taken", "unrouted"]) {
    const left = docker("ps", "-aq", "--filter", `name=^fleetdiag-${n}$`);
    if (left) docker("rm", "-f", left);
    rmSync(path.join(configDir, "workers", `diag_${n}.yaml`), { force: true });
  }
});

describe("diagnostics on the lab", () => {
  it("the healthy lab: every check runs, within 3 s; Redis, worker-start, config, routing (through the entrypoint), db-pool and scrape pass", async () => {
    // Real client traffic through nginx, counted by Prometheus, so routing's share part has something to judge.
    // Sent until counted: Synapse creates a servlet's counter at its first request, and increase() cannot
    // count a series' first value, so after a worker restart the first requests are never seen.
    let seen: string[] = [];
    await eventually(async () => {
      await throughEntrypoint(5);
      seen = (await runCheck("routing", SHORT_ROUTING)).evidence;
      return seen.some((e) => /^main served \d+ % of \d+ client requests in the last 30 s/.test(e));
    }, 30_000, "Prometheus to count the client requests sent through the entrypoint").catch((err: Error) => {
      throw new Error(`${err.message}; routing's last evidence: ${seen.join(" | ")}`);
    });
    const started = performance.now();
    const d = await runDiagnostics(SHORT_ROUTING);
    const took = performance.now() - started;
    expect(d.checks.map((c) => c.id)).toEqual(["redis", "worker-start", "config", "routing", "main-hot", "db-pool", "scrape", "limits", "worker-env"]);
    const status = Object.fromEntries(d.checks.map((c) => [c.id, c.status]));
    expect(status, JSON.stringify(d.checks.filter((c) => c.status !== "pass"), null, 1)).toMatchObject({ redis: "pass", "worker-start": "pass", config: "pass", routing: "pass", scrape: "pass", "db-pool": "pass", "worker-env": "pass" });
    expect(took).toBeLessThan(3_000);
    // Routing is judged by nginx's file (the lab has no Traefik labels): both routed workers are reached, and the workers served the traffic.
    const routing = d.checks.find((c) => c.id === "routing")!;
    expect(routing.evidence).toContain(GENERIC_ROUTED);
    expect(routing.evidence).toContain(MEDIA_ROUTED);
    expect(routing.evidence.at(-1)).toMatch(/^main served \d+ % of \d+ client requests in the last 30 s, with generic_worker1 up$/);
    const s = connectionSettings(readFileSync(path.join(configDir, "homeserver.yaml"), "utf8"));
    for (const secret of [s.redis.password, s.database.password]) {
      // The lab sets both (32 hex characters): the check below would prove nothing about an empty one.
      expect(secret ?? "").toMatch(/^\S{8,}$/);
      expect(JSON.stringify(d)).not.toContain(secret!);
    }
  }, 60_000);

  it("Redis stopped: the redis check fails with a fix that starts it, the whole run stays under 3 s; started again: it passes", async () => {
    const redis = labContainer("redis");
    try {
      docker("stop", redis);
      const started = performance.now();
      const d = await runDiagnostics();
      const took = performance.now() - started;
      process.stdout.write(`GET /api/diagnostics equivalent with Redis stopped: ${Math.round(took)} ms (checks: ${d.checks.map((c) => `${c.id} ${c.durationMs} ms`).join(", ")})\n`);
      expect(took).toBeLessThan(3_000);
      const r = d.checks.find((c) => c.id === "redis")!;
      expect(r.status).toBe("fail");
      expect(r.evidence[0]).toMatch(/redis is the container fleetlab_redis_1, which is exited/);
      expect(r.fix).toContain("docker start fleetlab_redis_1");
    } finally {
      docker("start", redis);
      await labHealthy();
    }
    expect((await runCheck("redis")).status).toBe("pass");
  }, 180_000);

  it("a worker on a port another process holds: worker-start names Address already in use", async () => {
    const before = readTree(configDir);
    const file = "workers/diag_taken.yaml";
    try {
      writeFileSync(path.join(configDir, file), workerFile("diag_taken", 8009)); // the generic worker's port, in its network namespace
      const id = throwawayWorker("taken", file, { start: true, network: `container:${labContainer("synapse-worker-generic")}` });
      await eventually(async () => docker("inspect", "-f", "{{.State.Status}}", id) === "exited", 60_000, "the worker on a taken port to exit");
      const r = await runCheck("worker-start");
      expect(r.status).toBe("fail");
      expect(r.process).toBe("diag_taken");
      expect(r.evidence.join("\n")).toMatch(/diag_taken \(fleetdiag-taken\): exited, exit code [1-9]/);
      expect(r.evidence.join("\n")).toMatch(/diag_taken: known cause: Address already in use/);
      expect(r.fix).toMatch(/free port/);
    } finally {
      docker("rm", "-f", "fleetdiag-taken");
      rmSync(path.join(configDir, file), { force: true });
    }
    expect(readTree(configDir)).toEqual(before);
    expect((await runCheck("worker-start")).status).toBe("pass");
    await labHealthy();
  }, 180_000);

  // The lab routes through nginx, so routing reads its file, not Traefik labels (their case is a unit
  // test: the deployment cannot be made to have no entrypoint without taking the shared lab's away).
  it("a running worker the entrypoint does not route to: routing fails, naming it, with the upstream line to add", async () => {
    const before = readTree(configDir);
    const file = "workers/diag_unrouted.yaml";
    const ok = await runCheck("routing");
    expect(ok.evidence).toContain(GENERIC_ROUTED);
    try {
      writeFileSync(path.join(configDir, file), workerFile("diag_unrouted", 8019));
      // Made as a plan makes a worker (network alias included), but no plan ran: nginx's file does not name it.
      const id = throwawayWorker("unrouted", file, { start: true, network: "fleetlab_default", alias: "diag-unrouted" });
      const ip = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}", id);
      await eventually(() => answersHealth(ip, 8019), 90_000, "diag_unrouted to answer /health on port 8019");
      const r = await runCheck("routing");
      expect(r.status, r.evidence.join("\n")).toBe("fail");
      expect(r.process).toBe("diag_unrouted");
      expect(r.evidence).toContain("diag_unrouted (generic) is in no upstream that a location proxies to: fleetlab_lb_1 sends it no requests");
      expect(r.evidence).toContain(GENERIC_ROUTED); // its peer is still reached
      expect(r.fix).toContain("Re-render nginx/synapse.conf: any worker plan (add, remove, scale) rewrites it from the route table, checks it with nginx -t and reloads fleetlab_lb_1.");
      expect(r.fix).toContain('Or add "server diag-unrouted:8019; # diag_unrouted" to upstream synapse_generic and synapse_generic_by_user and reload nginx.');
    } finally {
      docker("rm", "-f", "fleetdiag-unrouted");
      rmSync(path.join(configDir, file), { force: true });
    }
    expect(readTree(configDir)).toEqual(before); // nginx's file included: the case changed no routing
    const after = await runCheck("routing");
    expect(after.evidence.some((e) => e.startsWith("diag_unrouted"))).toBe(false);
    expect(after.evidence).toContain(GENERIC_ROUTED);
  }, 150_000);

  it("max_connections below what the pools may open: db-pool fails; reset: it passes", async () => {
    const pg = labContainer("postgres");
    const psql = (sql: string) => docker("exec", "-u", "postgres", pg, "psql", "-Atc", sql);
    try {
      psql("ALTER SYSTEM SET max_connections = 20"); // 4 processes × cp_max 5 = 20 > 20 − 3 reserved
      docker("restart", pg);
      const r = await eventually(async () => {
        const c = await runCheck("db-pool");
        return c.evidence.some((e) => e.startsWith("max_connections 20 ")) ? c : null;
      }, 60_000, "db-pool to see max_connections 20");
      expect(r.status).toBe("fail");
      expect(r.evidence).toContain("4 Synapse processes × cp_max 5 = 20 connections at most");
      expect(r.fix).toMatch(/ALTER SYSTEM SET max_connections = \d+/);
    } finally {
      await eventually(async () => {
        try {
          psql("ALTER SYSTEM RESET max_connections");
          return true;
        } catch {
          return false; // still starting
        }
      }, 60_000, "PostgreSQL to take the reset");
      docker("restart", pg);
      await labHealthy();
    }
    const back = await eventually(async () => {
      const c = await runCheck("db-pool");
      return c.evidence.some((e) => e.startsWith("max_connections 100 ")) ? c : null;
    }, 60_000, "db-pool to see max_connections 100");
    expect(back.status, back.evidence.join("\n")).toBe("pass");
  }, 240_000);

  it("a target removed from synapse-targets.json: scrape fails for that process; restored byte for byte: it passes", async () => {
    const targets = path.join(configDir, "prometheus", "synapse-targets.json");
    const original = readFileSync(targets);
    try {
      const groups = JSON.parse(original.toString("utf8")) as Array<{ labels: { worker?: string } }>;
      writeFileSync(targets, JSON.stringify(groups.filter((g) => g.labels.worker !== "media_worker"), null, 1));
      const r = await eventually(async () => {
        const c = await runCheck("scrape");
        return c.status === "fail" ? c : null;
      }, 60_000, "Prometheus to drop media_worker's target");
      expect(r.process).toBe("media_worker");
      expect(r.evidence).toContain('media_worker: no scrape target has worker="media_worker": Prometheus does not scrape its metrics listener on port 9002');
      expect(r.fix).toContain('{"targets":["synapse-worker-media:9002"],"labels":{"job":"media_worker","index":"1","worker":"media_worker"}}');
    } finally {
      writeFileSync(targets, original);
    }
    expect(readFileSync(targets).equals(original)).toBe(true);
    await eventually(async () => (await runCheck("scrape")).status === "pass", 60_000, "media_worker to be scraped again");
  }, 150_000);

  // main-hot asks for 10 min of data; the test shortens the window to 20 s (DiagnosticsOptions).
  // The load is real Synapse work: 256 concurrent client requests against main's own address, which
  // drive its reactor's p99 tick far above 100 ms while the workers idle. (A shell loop exec'd in
  // main's container would not do: process_cpu_seconds_total is Synapse's own process only.)
  it("main under load while the workers idle: main-hot warns over a shortened 20 s window", async () => {
    const calm = await runCheck("main-hot", { mainHotWindowSeconds: 20 });
    expect(calm.status).toBe("pass");
    const mainIp = docker("inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}} {{end}}", labContainer("synapse")).trim().split(" ")[0];
    const agent = new http.Agent({ keepAlive: true, maxSockets: 256 });
    let stop = false;
    const one = () =>
      new Promise<void>((resolve) => {
        const req = http.get({ host: mainIp, port: 8008, path: "/_matrix/client/v3/publicRooms?limit=50", agent }, (res) => res.resume().on("end", resolve));
        req.on("error", () => resolve());
      });
    const load = Promise.all(Array.from({ length: 256 }, async () => {
      while (!stop) await one();
    }));
    try {
      const r = await eventually(async () => {
        const c = await runCheck("main-hot", { mainHotWindowSeconds: 20 });
        return c.status === "warn" ? c : null;
      }, 60_000, "main-hot to see main hot");
      expect(r.process).toBe("main");
      expect(r.evidence[0]).toMatch(/^main: \d+\.\d\d cores over the last 20 s \(limit 0\.8\)$/);
      const cores = Number(/^main: ([\d.]+) cores/.exec(r.evidence[0])![1]);
      const p99 = Number(/reactor tick p99: (\d+) ms/.exec(r.evidence[1])?.[1] ?? 0);
      expect(cores > 0.8 || p99 > 100, r.evidence.join("\n")).toBe(true);
      expect(r.fix).toMatch(/add generic workers/);
    } finally {
      stop = true;
      await load;
      agent.destroy();
    }
    await eventually(async () => (await runCheck("main-hot", { mainHotWindowSeconds: 20 })).status === "pass", 90_000, "main to calm down");
    await labHealthy();
  }, 240_000);
});
