import { workerCatalogue } from "./catalogue";
import { parseHomeserverConfig } from "./config";
import { HOMESERVER_FILE, isRunning } from "./deployment";
import { healthTimeout } from "./plan-context";
import { applyFileChanges, draftFiles, refuseNewErrors, type Draft } from "./plan-draft";
import { lbStepsForWorkers } from "./plan-lb";
import { restartsFor } from "./plan-restarts";
import type { Intent, Plan, Step } from "./plan-schema";
import { assertNoRouteConflicts } from "./routes-table";

/**
 * Turns a draft of adds and removes into a plan, in a safe order:
 * stop + remove the removed → write files → create the new → stop groups that restart together →
 * start the new (and the groups) → restart the rest → wait until every touched process is healthy.
 */
export function finishWorkerPlan(draft: Draft, intent: Intent, summary: string): Plan {
  const { dep, ctx } = draft;
  const files = draftFiles(draft);
  const after = applyFileChanges(ctx.snapshot.files, files);
  refuseNewErrors(ctx.snapshot.files, after);

  const removedNames = new Set(draft.removed.map((w) => w.name));
  const addedNames = draft.added.map((w) => w.name);
  const staying = dep.workers.filter((w) => !removedNames.has(w.name));
  // Two kinds claiming the same paths at the same priority would split a route at random.
  assertNoRouteConflicts([...staying.flatMap((w) => (w.kind ? [w.kind] : [])), ...draft.added.map((w) => w.kind)]);
  const hsChange = files.find((f) => f.path === HOMESERVER_FILE);
  const set = restartsFor({
    before: dep.hs,
    after: hsChange?.after ? parseHomeserverConfig(hsChange.after) : dep.hs,
    hsChanged: hsChange !== undefined,
    staying: staying.map((w) => w.name),
  });

  const running = new Set([...(isRunning(dep.main) ? ["main"] : []), ...staying.filter((w) => isRunning(w.process)).map((w) => w.name)]);
  const skipIfStopped = (name: string) => {
    if (running.has(name)) return false;
    draft.warnings.push(`${name} is not running: it reads the new config when it is next started`);
    return true;
  };
  const together = set.together.map((g) => ({ ...g, members: g.members.filter((m) => !skipIfStopped(m)) }));
  const inGroup = new Set(together.flatMap((g) => g.members));
  const restarts = [...set.restart.entries()].filter(([name]) => !inGroup.has(name) && !skipIfStopped(name));
  restarts.sort(([a], [b]) => (a === "main" ? -1 : b === "main" ? 1 : a.localeCompare(b)));

  // The entrypoint routes away from the workers that go before they stop, and to new ones once they answer.
  const lb = lbStepsForWorkers(dep, staying, draft.added, draft.removed);
  draft.warnings.push(...lb.warnings);
  const steps: Step[] = lb.drain ? [lb.drain] : [];
  for (const w of draft.removed) {
    const c = w.process?.container;
    if (c && w.process?.state === "running") steps.push({ kind: "stop", process: w.name, reason: `stop ${w.name} before removing it` });
    if (c) steps.push({ kind: "remove_container", process: w.name, reason: `remove ${w.name}'s container` });
  }
  if (files.length > 0) steps.push({ kind: "write_files", reason: `write ${files.map((f) => f.path).join(", ")}` });
  for (const w of draft.added) steps.push({ kind: "create_container", process: w.name, spec: w.spec, reason: `create the ${workerCatalogue[w.kind].label.toLowerCase()} ${w.name}` });
  for (const g of together) for (const m of g.members) steps.push({ kind: "stop", process: m, reason: g.reason });
  const groupNew = new Set(together.flatMap((g) => draft.added.filter((a) => workerCatalogue[a.kind].homeserverKey === g.key).map((a) => a.name)));
  for (const w of draft.added) if (!groupNew.has(w.name)) steps.push({ kind: "start", process: w.name, reason: `start ${w.name}` });
  for (const g of together) {
    const newOnes = draft.added.filter((a) => workerCatalogue[a.kind].homeserverKey === g.key).map((a) => a.name);
    for (const m of [...g.members, ...newOnes]) steps.push({ kind: "start", process: m, reason: g.reason });
  }
  for (const [name, reasons] of restarts) steps.push({ kind: "restart", process: name, reason: reasons.join("; ") });

  const touched = [...new Set([...restarts.map(([n]) => n), ...together.flatMap((g) => g.members), ...addedNames])];
  if (touched.length > 0) steps.push({ kind: "wait_healthy", processes: touched, timeoutMs: healthTimeout(ctx), reason: "every touched process answers /health" });
  if (lb.final) steps.push(lb.final);

  const restartList = [
    ...restarts.map(([process, reasons]) => ({ process, reason: reasons.join("; ") })),
    ...together.flatMap((g) => g.members.map((process) => ({ process, reason: g.reason }))),
  ];
  return {
    intent,
    summary,
    files,
    steps,
    restarts: restartList,
    destructive: draft.removed.length > 0 || restartList.length > 0,
    expected: [
      ...(dep.main ? [{ name: "main", type: "main" as const }] : []),
      ...staying.map((w) => ({ name: w.name, type: w.type })),
      ...draft.added.map((w) => ({ name: w.name, type: workerCatalogue[w.kind].type })),
    ],
    warnings: [...new Set(draft.warnings)],
  };
}
