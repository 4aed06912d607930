"use client";

import { MetricsRequestError } from "./api";

/** Why a panel has no chart, in words that say what to do next (per the API's details.reason). */
export function PanelNotice({ error, prometheusUrl }: { error: unknown; prometheusUrl: string | null }) {
  const e = error instanceof MetricsRequestError ? error : null;
  const message = error instanceof Error ? error.message : "The panel could not be read.";
  let what: React.ReactNode;
  switch (e?.reason) {
    case "not_configured":
      what = (
        <>
          Prometheus is not configured. Set <code className="font-mono">FLEET_PROMETHEUS_URL</code> to its address (for example{" "}
          <code className="font-mono">http://prometheus:9090</code>) and restart the dashboard, or run a Prometheus container in the deployment.
        </>
      );
      break;
    case "unreachable":
      what = (
        <>
          Is Prometheus running at <code className="font-mono">{typeof e.details?.url === "string" ? e.details.url : (prometheusUrl ?? "its configured address")}</code>? {message}
        </>
      );
      break;
    case "bad_query":
      what = (
        <>
          Prometheus refused this panel&apos;s query. {message}
          {typeof e.details?.query === "string" ? <code className="mt-1 block whitespace-pre-wrap break-all font-mono">{e.details.query}</code> : null}
        </>
      );
      break;
    default:
      // A 404 names a worker the deployment no longer has, or a panel this server does not serve.
      what = e?.status === 404 && e.details?.worker !== undefined ? `${message}. Pick other processes: the deployment has changed.` : message;
  }
  return (
    <div role="status" className="flex h-full flex-col justify-center gap-1 overflow-auto rounded border border-amber-300 bg-amber-50 p-3 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950/60 dark:text-amber-200">
      <p className="font-medium">No data for this panel</p>
      <p>{what}</p>
    </div>
  );
}
