/**
 * Stand-in Synapse workers for benchmarks at scale: lightweight containers that discovery
 * recognises as generic workers of a temporary deployment. Each runs a tiny python3 HTTP
 * server (from the lab image) that answers GET /health with 200 on the http port of its worker
 * file; its command line carries `synapse.app.generic_worker --config-path /data/homeserver.yaml
 * --config-path /data/workers/bench_worker_N.yaml` and /data is a bind mount of the temp
 * config dir, which the dashboard under test gets as SYNAPSE_CONFIG_DIR.
 *
 * Everything created is labelled `io.synapse-fleet.bench=<run id>` and removed by the cleanups
 * (and, should this process die hard, by run.sh's trap).
 */
import fs from "node:fs";
import path from "node:path";
import Docker from "dockerode";
import { log, makeTempDir, mapLimit, onCleanup, randomHex, recordRunId, timeMs, waitFor, withTimeout } from "./lib";

export const BENCH_LABEL = "io.synapse-fleet.bench";
export const STANDIN_IMAGE = process.env.BENCH_IMAGE || "synapse-fleet-lab:latest";
const CREATE_PARALLELISM = 2; // the machines have 2 cores

const STANDIN_PY = `# Synapse Fleet benchmark stand-in for a Synapse worker: answers GET /health with 200
# on the first listener port of the worker file named by the last --config-path.
import re, signal, sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

args = sys.argv[1:]
worker_file = [args[i + 1] for i, a in enumerate(args[:-1]) if a == "--config-path"][-1]
with open(worker_file) as f:
    port = int(re.search(r"^\\s*port:\\s*(\\d+)", f.read(), re.M).group(1))

class Health(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, like Twisted

    def do_GET(self):
        ok = self.path == "/health"
        body = b"OK" if ok else b"Not found"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
ThreadingHTTPServer(("0.0.0.0", port), Health).serve_forever()
`;

export const standinName = (n: number) => `bench_worker_${n}`;
export const standinHttpPort = (n: number) => 18000 + n;
const standinMetricsPort = (n: number) => 19000 + n;

export interface StandinFleet {
  runId: string;
  /** The temporary deployment's config dir (homeserver.yaml, workers/*.yaml): SYNAPSE_CONFIG_DIR. */
  configDir: string;
  network: string;
  /** Container ids, all running and answering /health. */
  ids: Set<string>;
  names: Set<string>;
  createMs: number;
}

function writeConfig(root: string, count: number): { configDir: string; script: string } {
  const configDir = path.join(root, "config");
  fs.mkdirSync(path.join(configDir, "workers"), { recursive: true });
  fs.writeFileSync(
    path.join(configDir, "homeserver.yaml"),
    [
      "# Synapse Fleet benchmark: stand-in deployment (no real Synapse runs from this file)",
      'server_name: "bench.test"',
      "listeners:",
      "  - port: 8008",
      "    type: http",
      "    bind_addresses: ['0.0.0.0']",
      "    resources:",
      "      - names: [client, federation]",
      "",
    ].join("\n"),
  );
  for (let n = 1; n <= count; n++) {
    fs.writeFileSync(
      path.join(configDir, "workers", `${standinName(n)}.yaml`),
      [
        "worker_app: synapse.app.generic_worker",
        `worker_name: ${standinName(n)}`,
        "worker_listeners:",
        "  - type: http",
        `    port: ${standinHttpPort(n)}`,
        "    bind_addresses: ['0.0.0.0']",
        "    resources:",
        "      - names: [client]",
        "  - type: metrics",
        `    port: ${standinMetricsPort(n)}`,
        "    bind_addresses: ['0.0.0.0']",
        "",
      ].join("\n"),
    );
  }
  const script = path.join(root, "standin.py");
  fs.writeFileSync(script, STANDIN_PY);
  return { configDir, script };
}

async function removeLabelled(docker: Docker, runId: string): Promise<number> {
  const list = await docker.listContainers({ all: true, filters: { label: [`${BENCH_LABEL}=${runId}`] } });
  await mapLimit(list, 4, (c) =>
    docker.getContainer(c.Id).remove({ force: true }).catch((err: Error) => log(`remove ${c.Id}: ${err.message}`)),
  );
  return list.length;
}

/** Creates `count` stand-ins (2 at a time) and waits, bounded, until every one answers /health. */
export async function createStandins(docker: Docker, count: number): Promise<StandinFleet> {
  const images = await docker.listImages({ filters: { reference: [STANDIN_IMAGE] } });
  if (images.length === 0) throw new Error(`image ${STANDIN_IMAGE} is missing: bash lab/lab.sh build`);

  const runId = randomHex(4);
  recordRunId(runId);
  const root = makeTempDir("standins");
  const { configDir, script } = writeConfig(root, count);

  // The default bridge: a network of our own would have to be removed at the end, and Engine
  // 20.10 sometimes keeps a stale endpoint after parallel force-removals ("has active
  // endpoints"), which makes that removal fail until dockerd restarts.
  const network = "bridge";

  // Cleanup stops the creation loop first, waits for the container in flight, then removes by label.
  let stopping = false;
  let creating: Promise<unknown> = Promise.resolve();
  onCleanup(`stand-in containers (label ${BENCH_LABEL}=${runId})`, async () => {
    stopping = true;
    await withTimeout(creating, 60_000, "stand-in creation to stop").catch(() => undefined);
    const t0 = Date.now();
    const n = await removeLabelled(docker, runId);
    log(`removed ${n} stand-in containers in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  });

  const ids = new Set<string>();
  const createMs = await timeMs(async () => {
    creating = mapLimit(
      Array.from({ length: count }, (_, i) => i + 1),
      CREATE_PARALLELISM,
      async (n) => {
        if (stopping) throw new Error("stopping");
        const c = await docker.createContainer({
          name: `fleetbench-${runId}-${n}`,
          Image: STANDIN_IMAGE,
          Cmd: [
            "python3", "/opt/fleet-bench/standin.py",
            "synapse.app.generic_worker", "--config-path", "/data/homeserver.yaml",
            "--config-path", `/data/workers/${standinName(n)}.yaml`,
          ],
          Labels: { [BENCH_LABEL]: runId },
          HostConfig: { Binds: [`${configDir}:/data:ro`, `${script}:/opt/fleet-bench/standin.py:ro`], NetworkMode: network },
        });
        ids.add(c.id);
        await c.start();
      },
    );
    await withTimeout(creating, 600_000, `creating ${count} stand-ins`);
  });
  log(`created and started ${count} stand-ins in ${(createMs / 1000).toFixed(1)} s (parallelism ${CREATE_PARALLELISM})`);

  await waitFor(
    `${count} stand-ins to answer /health`,
    async () => {
      const list = await docker.listContainers({ filters: { label: [`${BENCH_LABEL}=${runId}`] } });
      if (list.length !== count) return null;
      const ok = await Promise.all(
        list.map(async (c) => {
          const n = Number(/-(\d+)$/.exec(c.Names[0] ?? "")?.[1]);
          const ip = c.NetworkSettings?.Networks?.[network]?.IPAddress;
          if (!ip || !n) return false;
          try {
            const res = await fetch(`http://${ip}:${standinHttpPort(n)}/health`, { signal: AbortSignal.timeout(1500) });
            await res.arrayBuffer();
            return res.status === 200;
          } catch {
            return false;
          }
        }),
      );
      return ok.every(Boolean) ? true : null;
    },
    { timeoutMs: 90_000, intervalMs: 500 },
  );
  const names = new Set(Array.from({ length: count }, (_, i) => standinName(i + 1)));
  return { runId, configDir, network, ids, names, createMs };
}
