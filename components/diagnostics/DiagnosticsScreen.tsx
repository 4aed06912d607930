"use client";

import type { CheckResult, CheckStatus } from "@/lib/contract/diagnostics";
import { Button } from "@/components/ui/Button";
import { CheckCard } from "./CheckCard";
import { useDiagnostics } from "./useDiagnostics";

const order: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2 };

/** Failures first, then warnings, then passes; the server's order within each. */
export function bySeverity(checks: CheckResult[]): CheckResult[] {
  return checks.map((c, i) => [c, i] as const).sort(([a, i], [b, j]) => order[a.status] - order[b.status] || i - j).map(([c]) => c);
}

/** The Workers Guide's troubleshooting, run live against the deployment. */
export function DiagnosticsScreen() {
  const q = useDiagnostics();
  const checks = q.data ? bySeverity(q.data.checks) : [];
  const count = (s: CheckStatus) => checks.filter((c) => c.status === s).length;
  return (
    <div className="flex flex-col gap-4 p-6">
      <header className="flex flex-wrap items-start gap-x-6 gap-y-2">
        <div>
          <h1 className="text-base font-semibold">Diagnostics</h1>
          <p className="text-xs text-zinc-500">The Workers Guide&apos;s troubleshooting, checked live. Runs again when a container changes and every 30 s while this tab is open.</p>
        </div>
        <div className="ml-auto flex items-center gap-3">
          {q.data ? (
            <p role="status" aria-label="Summary" className="text-xs text-zinc-600 dark:text-zinc-400">
              <span className="font-semibold text-red-700 dark:text-red-400">{count("fail")} fail</span> ·{" "}
              <span className="font-semibold text-amber-700 dark:text-amber-400">{count("warn")} warn</span> ·{" "}
              <span className="font-semibold text-emerald-700 dark:text-emerald-400">{count("pass")} pass</span> ·{" "}
              <time dateTime={q.data.generatedAt}>{new Date(q.data.generatedAt).toLocaleTimeString()}</time>
            </p>
          ) : null}
          <Button tone="primary" onClick={() => void q.refetch()} disabled={q.isFetching} aria-busy={q.isFetching}>
            {q.isFetching ? "Running…" : "Run again"}
          </Button>
        </div>
      </header>
      {q.error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          The checks could not be run: {q.error.message}
        </p>
      ) : null}
      {q.isPending ? <p className="text-xs text-zinc-500">Running the checks…</p> : null}
      {checks.length > 0 ? (
        <section aria-label="Checks" className="flex flex-col gap-2">
          {checks.map((c) => (
            <CheckCard key={c.id} check={c} />
          ))}
        </section>
      ) : null}
    </div>
  );
}
