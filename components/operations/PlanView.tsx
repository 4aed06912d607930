"use client";

import { planFileDiffs } from "@/lib/synapse/plan-diffs";
import type { Plan, Step } from "@/lib/synapse/plan-schema";
import { FileDiff } from "./FileDiff";

const stepVerb: Record<Step["kind"], string> = {
  write_files: "Write config files",
  create_container: "Create container",
  start: "Start",
  stop: "Stop",
  restart: "Restart",
  remove_container: "Remove container",
  reload: "Reload log config (SIGHUP)",
  wait_healthy: "Wait until healthy",
  reload_lb: "Check and reload the load balancer (nginx -t, nginx -s reload)",
};

/** What a step acts on, in the operator's words. */
export function stepTarget(step: Step): string | null {
  if (step.kind === "write_files") return null;
  if (step.kind === "wait_healthy") return step.processes.join(", ");
  return step.process;
}

export function stepLabel(kind: string): string {
  return (stepVerb as Record<string, string>)[kind] ?? kind.replace(/_/g, " ");
}

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <section aria-label={title} className="flex flex-col gap-1.5">
      <h3 className="text-xs font-semibold uppercase tracking-wide text-zinc-500">{title}</h3>
      {children}
    </section>
  );
}

/** A plan before it runs: summary, warnings, restarts with reasons, container steps in order, file diffs (the load balancer's too). */
export function PlanView({ plan }: { plan: Plan }) {
  const diffs = planFileDiffs(plan);
  return (
    <div className="flex flex-col gap-4" data-testid="plan">
      <p className="text-sm">{plan.summary}</p>
      {plan.destructive ? (
        <p className="rounded-md border border-amber-300 bg-amber-50 px-2 py-1.5 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
          This plan removes or restarts running processes.
        </p>
      ) : null}
      {plan.warnings.length > 0 ? (
        <Section title="Warnings">
          <ul className="list-disc pl-5 text-xs text-amber-900 dark:text-amber-200">
            {plan.warnings.map((w) => (
              <li key={w}>{w}</li>
            ))}
          </ul>
        </Section>
      ) : null}
      <Section title="Restarts">
        {plan.restarts.length === 0 ? (
          <p className="text-xs text-zinc-500">No running process restarts.</p>
        ) : (
          <ul className="grid gap-1 text-xs">
            {plan.restarts.map((r) => (
              <li key={r.process}>
                <span className="font-mono font-medium">{r.process}</span> <span className="text-zinc-600 dark:text-zinc-400">— {r.reason}</span>
              </li>
            ))}
          </ul>
        )}
      </Section>
      <Section title="Steps">
        {plan.steps.length === 0 ? (
          <p className="text-xs text-zinc-500">Nothing to do: the deployment already looks like this.</p>
        ) : (
          <ol className="grid list-decimal gap-1 pl-5 text-xs">
            {plan.steps.map((s, i) => {
              const target = stepTarget(s);
              return (
                <li key={i}>
                  <span className="font-medium">{stepLabel(s.kind)}</span>
                  {target ? <span className="font-mono"> {target}</span> : null}
                  <span className="text-zinc-600 dark:text-zinc-400"> — {s.reason}</span>
                </li>
              );
            })}
          </ol>
        )}
      </Section>
      <Section title="Files">
        {diffs.length === 0 ? (
          <p className="text-xs text-zinc-500">No config file changes.</p>
        ) : (
          <div className="flex flex-col gap-2">
            {diffs.map((d) => (
              <FileDiff key={d.key} change={d.change} note={d.note} />
            ))}
          </div>
        )}
      </Section>
      {plan.expected.length > 0 ? (
        <Section title="Afterwards">
          <p className="font-mono text-[11px] text-zinc-600 dark:text-zinc-400">{plan.expected.map((p) => p.name).join(", ")}</p>
        </Section>
      ) : null}
    </div>
  );
}
