import "server-only";
import { openConfigFile, resolveInside } from "@/lib/fs/safe";
import { TARGETS_FILE } from "@/lib/synapse/deployment";
import { parseTargets } from "@/lib/synapse/prometheus-targets";
import { discoverDrafts } from "@/lib/topology/discover";
import { logSafely } from "@/lib/log";

/** A targets file of 1,000 workers is ~150 KiB; a larger one is not ours. */
const MAX_TARGETS_BYTES = 1024 * 1024;

/** What the metrics queries need from the deployment: its server_name and the processes it knows. */
export interface MetricsDeployment {
  serverName: string | null;
  /** Processes from discovery (containers and homeserver.yaml) and from the Prometheus targets file. */
  processes: Set<string>;
}

const FRESH_MS = 5_000;
let cached: { at: number; value: Promise<MetricsDeployment> } | null = null;

/**
 * Discovery costs an engine round trip, more than the query itself on a small range: a grid of
 * panels shares one reading for 5 s. `fresh` reads again (a worker name not known yet may have
 * just been added, and must not be refused on a stale list).
 */
export function metricsDeployment(opts: { fresh?: boolean } = {}): Promise<MetricsDeployment> {
  if (!opts.fresh && cached && Date.now() - cached.at < FRESH_MS) return cached.value;
  const value = readDeployment();
  const entry = { at: Date.now(), value };
  cached = entry;
  value.catch(() => {
    if (cached === entry) cached = null;
  });
  return value;
}

async function readDeployment(): Promise<MetricsDeployment> {
  const d = await discoverDrafts();
  const processes = new Set(d.drafts.map((p) => p.name));
  if (d.dir) for (const name of await targetsFileWorkers(d.dir)) processes.add(name);
  return { serverName: d.hs?.serverName ?? null, processes };
}

/** The `worker` labels of prometheus/synapse-targets.json; none when it is absent or unreadable (logged). */
async function targetsFileWorkers(dir: string): Promise<string[]> {
  try {
    const opened = await openConfigFile(dir, resolveInside(dir, TARGETS_FILE), TARGETS_FILE);
    if (!opened) return [];
    try {
      if (opened.stats.size > MAX_TARGETS_BYTES) throw new Error(`${TARGETS_FILE} is larger than ${MAX_TARGETS_BYTES} bytes`);
      const entries = parseTargets(await opened.handle.readFile("utf8"));
      return entries.map((e) => e.labels.worker).filter((w): w is string => typeof w === "string" && w !== "");
    } finally {
      await opened.handle.close();
    }
  } catch (err) {
    // Discovery still names every running process; the file only adds ones without a container.
    logSafely(`[metrics] ${TARGETS_FILE} not read:`, err);
    return [];
  }
}
