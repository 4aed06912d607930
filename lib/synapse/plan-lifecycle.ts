import { isRunning, readDeployment, type SnapshotProcess } from "./deployment";
import { healthTimeout, type PlanContext } from "./plan-context";
import { lbStepsForLifecycle } from "./plan-lb";
import { PlanError, type Intent, type Plan, type Step } from "./plan-schema";

/**
 * Start, stop or restart one process: one step, then wait until it answers /health (not after a
 * stop). With an nginx entrypoint, a routed worker is routed away from before it goes down and
 * routed to again once it answers.
 */
export function planLifecycle(intent: Extract<Intent, { kind: "start" | "stop" | "restart" }>, ctx: PlanContext): Plan {
  const dep = readDeployment(ctx.snapshot);
  const name = intent.name === "master" ? "main" : intent.name;
  const process: SnapshotProcess | null = name === "main" ? dep.main : (dep.workers.find((w) => w.name === name)?.process ?? null);
  if (!process) throw new PlanError("not_found", `no process named ${intent.name}`);
  if (!process.container) throw new PlanError("invalid", `${name} has no container to ${intent.kind}`);
  const running = isRunning(process);
  if (intent.kind === "start" && running) throw new PlanError("conflict", `${name} is already running`);
  if (intent.kind === "stop" && !running) throw new PlanError("conflict", `${name} is not running`);

  const warnings: string[] = [];
  const streams = Object.entries(dep.hs.streamWriters).filter(([, w]) => w?.includes(name)).map(([s]) => s);
  if (intent.kind !== "start" && streams.length > 0)
    warnings.push(`${name} writes ${streams.join(", ")}: while it is down, requests for those streams sent to main hang 20 s or more`);
  if (intent.kind !== "start" && name === "main") warnings.push("every worker depends on main: requests that need main fail while it is down");
  if (intent.kind === "stop" && !process.container.managedByFleet && process.container.restartPolicy === "always")
    warnings.push(`${name}'s restart policy is "always": Docker starts it again when the engine restarts`);

  const verb = { start: "Start", stop: "Stop", restart: "Restart" }[intent.kind];
  const lb = lbStepsForLifecycle(dep, name, intent.kind);
  warnings.push(...lb.warnings);
  const steps: Step[] = lb.drain ? [lb.drain] : [];
  steps.push({ kind: intent.kind, process: name, reason: `${verb.toLowerCase()} ${name} (asked by the operator)` });
  if (intent.kind !== "stop") steps.push({ kind: "wait_healthy", processes: [name], timeoutMs: healthTimeout(ctx), reason: `${name} answers /health` });
  if (lb.final) steps.push(lb.final);
  const others = [...(dep.main && isRunning(dep.main) ? [{ name: "main", type: "main" as const }] : []), ...dep.workers.filter((w) => isRunning(w.process)).map((w) => ({ name: w.name, type: w.type }))];
  const expected = intent.kind === "stop" ? others.filter((p) => p.name !== name) : intent.kind === "start" ? [...others, { name, type: process.type }] : others;
  return {
    intent,
    summary: `${verb} ${name === "main" ? "the main process" : name}`,
    files: [],
    steps,
    restarts: intent.kind === "restart" ? [{ process: name, reason: "asked by the operator" }] : [],
    destructive: intent.kind !== "start",
    expected,
    warnings,
  };
}
