import { healthListener, metricsListener, type WorkerConfig } from "./config";
import { listenerPorts, TARGETS_FILE, type Deployment, type WorkerEntry } from "./deployment";
import { PlanError, type ContainerSpec, type FileChange, type Step } from "./plan-schema";
import { parseTargets, renderTargets } from "./prometheus-targets";

/** What a listener port change in a worker file brings with it beyond the file itself. */
export interface PortFollowUp {
  /** prometheus/synapse-targets.json with the worker's new metrics port. */
  targets: FileChange | null;
  /** A dashboard-made container re-created for a new http port: steps before and after the file write. */
  recreate: { before: Step[]; after: Step[] } | null;
  warnings: string[];
}

const port = (l: { port: number } | null) => l?.port ?? null;

/**
 * A worker's listener ports changed in its file. The metrics port moves its Prometheus target; the
 * http port moves its published port and Traefik label, so a container the dashboard made is
 * re-created from its spec with the new port (the planner's compensation re-creates the old one on
 * failure); a container docker compose made keeps its ports, with a warning to change compose too.
 */
export function followPortChange(dep: Deployment, w: WorkerEntry, before: WorkerConfig, after: WorkerConfig, targetsText: string | undefined, usedHostPorts: number[]): PortFollowUp {
  const out: PortFollowUp = { targets: null, recreate: null, warnings: [] };
  const own = new Set(before.listeners.map((l) => l.port));
  const taken = new Set(listenerPorts(dep).filter((p) => !own.has(p)));
  for (const l of after.listeners) if (taken.has(l.port)) throw new PlanError("conflict", `port ${l.port} is already a listener of another process`);

  const [oldMetrics, newMetrics] = [port(metricsListener(before.listeners)), port(metricsListener(after.listeners))];
  if (oldMetrics !== newMetrics && newMetrics !== null) {
    if (targetsText === undefined) out.warnings.push(`there is no ${TARGETS_FILE}: Prometheus is not told about ${w.name}'s new metrics port`);
    else {
      const entries = parseTargets(targetsText);
      const mine = entries.filter((e) => e.labels.worker === w.name);
      if (mine.length === 0) out.warnings.push(`${TARGETS_FILE} has no target for ${w.name}: Prometheus does not scrape it`);
      for (const e of mine) e.targets = e.targets.map((t) => t.replace(/:\d+$/, `:${newMetrics}`));
      const text = renderTargets(entries);
      if (text !== targetsText) out.targets = { path: TARGETS_FILE, before: targetsText, after: text };
    }
  }

  const [oldHttp, newHttp] = [port(healthListener(before.listeners)), port(healthListener(after.listeners))];
  const c = w.process?.container;
  if (oldHttp !== newHttp && oldHttp !== null && newHttp !== null && c) {
    if (!c.managedByFleet) {
      out.warnings.push(`${w.name} was made by docker compose: change its published port and Traefik label in the compose file too (it is only restarted here)`);
      return out;
    }
    const ports = c.ports.map((p) => (p.container === oldHttp ? { ...p, container: newHttp, host: p.host === oldHttp ? newHttp : p.host } : p));
    for (const p of ports) {
      if (p.container === newHttp && p.host !== oldHttp && usedHostPorts.includes(p.host)) throw new PlanError("conflict", `host port ${p.host} is already published`);
    }
    const labels = Object.fromEntries(Object.entries(c.labels).map(([k, v]) => [k, k.endsWith(".loadbalancer.server.port") && v === String(oldHttp) ? String(newHttp) : v]));
    const { id: _id, managedByFleet: _managed, ...rest } = c;
    const spec: ContainerSpec = { ...rest, ports, labels };
    const running = w.process?.state === "running";
    out.recreate = {
      before: [
        ...(running ? [{ kind: "stop" as const, process: w.name, reason: `its http port moves from ${oldHttp} to ${newHttp}` }] : []),
        { kind: "remove_container", process: w.name, reason: "re-created with the new published port and Traefik label" },
      ],
      after: [
        { kind: "create_container", process: w.name, spec, reason: `re-create ${w.name} on port ${newHttp}` },
        ...(running ? [{ kind: "start" as const, process: w.name, reason: `start ${w.name} on port ${newHttp}` }] : []),
      ],
    };
  }
  return out;
}
