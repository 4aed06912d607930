import "server-only";
import { FleetError } from "@/lib/errors";
import { discoverDrafts, type ProcessDraft } from "@/lib/topology/discover";
import { workerTypes, type WorkerType } from "@/lib/synapse/types";
import { logDestinationOf, type LogDestination } from "./log-file";

/** One process whose log is read, by worker name. */
export interface LogTarget {
  worker: string;
  type: WorkerType;
  /** The container; on a swarm, the service (its log is its current task's: lib/logs/task-source.ts). */
  containerId: string | null;
  destination: LogDestination;
  /** Set when the process is a Swarm service: `node` is where its task ran when it was resolved. */
  swarm?: { serviceId: string; node: string | null };
}

/** More processes than this in one request is a mistake, not a merge. */
export const MAX_WORKERS_PER_REQUEST = 64;
const WORKER_NAME = /^[A-Za-z0-9_.-]{1,100}$/;

/** The parsed `workers` parameter: comma-separated names, `all`, or `type:<worker type>`. */
export type WorkerSelector = { kind: "all" } | { kind: "type"; type: WorkerType } | { kind: "names"; names: string[] };

export function parseWorkerSelector(spec: string): WorkerSelector {
  const s = spec.trim();
  if (s === "all") return { kind: "all" };
  if (s.startsWith("type:")) {
    const type = s.slice(5) as WorkerType;
    if (!workerTypes.includes(type)) throw new FleetError("invalid", `Unknown worker type "${s.slice(5)}": one of ${workerTypes.join(", ")}`);
    return { kind: "type", type };
  }
  const names = [...new Set(s.split(",").map((n) => n.trim()).filter(Boolean))];
  if (names.length === 0) throw new FleetError("invalid", "workers must name at least one worker, `all` or `type:<worker type>`");
  if (names.length > MAX_WORKERS_PER_REQUEST) throw new FleetError("invalid", `At most ${MAX_WORKERS_PER_REQUEST} workers per request`);
  for (const n of names) if (!WORKER_NAME.test(n)) throw new FleetError("invalid", `Not a worker name: ${JSON.stringify(n.slice(0, 100))}`);
  return { kind: "names", names };
}

/** The processes a selector names, from live discovery; an unknown name is a 404 that names it. */
export async function resolveTargets(selector: WorkerSelector): Promise<LogTarget[]> {
  const { drafts, dir, docker } = await discoverDrafts();
  if (!docker.reachable) throw new FleetError("unavailable", docker.error ?? "Docker Engine is unreachable");
  let chosen: ProcessDraft[];
  if (selector.kind === "names") {
    const byName = new Map(drafts.map((d) => [d.name, d]));
    const unknown = selector.names.filter((n) => !byName.has(n));
    if (unknown.length > 0) throw new FleetError("not_found", `No worker named ${unknown.join(", ")}`, { unknown });
    chosen = selector.names.map((n) => byName.get(n)!);
  } else {
    chosen = drafts.filter((d) => d.container && (selector.kind === "all" || d.type === selector.type));
    if (chosen.length === 0) throw new FleetError("not_found", selector.kind === "all" ? "No Synapse process runs" : `No worker of type ${selector.type}`);
  }
  if (chosen.length > MAX_WORKERS_PER_REQUEST) chosen = chosen.slice(0, MAX_WORKERS_PER_REQUEST);
  return Promise.all(chosen.map((d) => targetOf(d, dir)));
}

async function targetOf(d: ProcessDraft, dir: string | null): Promise<LogTarget> {
  const target: LogTarget = { worker: d.name, type: d.type, containerId: d.container?.id ?? null, destination: await destinationOrNote(d, dir) };
  const swarm = d.unit?.swarm;
  if (!swarm || !d.unit) return target;
  // A log file is written on the task's node, which the dashboard's disk is not: its console is what can be read.
  const destination: LogDestination =
    target.destination.kind === "file" ? { kind: "console", note: `it logs to a file on its node (${target.destination.path}): only its console output is shown` } : target.destination;
  return { ...target, destination, swarm: { serviceId: d.unit.id, node: swarm.node?.hostname ?? null } };
}

async function destinationOrNote(d: ProcessDraft, dir: string | null): Promise<LogDestination> {
  try {
    return await logDestinationOf(d, dir);
  } catch (err) {
    return { kind: "console", note: `cannot read the log config: ${(err as Error).message}` };
  }
}

/** The current container of each named worker (after a recreate it has a new id). */
export async function currentContainers(): Promise<Map<string, string | null>> {
  const { drafts } = await discoverDrafts();
  return new Map(drafts.map((d) => [d.name, d.container?.id ?? null]));
}
