import type { PrometheusSource as Source } from "@/lib/contract/metrics";

const from: Record<Source["source"], string> = { env: "FLEET_PROMETHEUS_URL", discovered: "discovered container", none: "" };

/** Where the dashboard reads metrics, in one line; used by the topology header and the Metrics screen. */
export function PrometheusSource({ prometheus }: { prometheus: Source | undefined }) {
  if (!prometheus) return <span data-testid="prometheus-source">Prometheus …</span>;
  if (!prometheus.url) {
    return (
      <span data-testid="prometheus-source" title="Set FLEET_PROMETHEUS_URL, or run a Prometheus container in the deployment">
        Prometheus: not configured
      </span>
    );
  }
  return (
    <span data-testid="prometheus-source" title={`Metrics are read from ${prometheus.url} (${from[prometheus.source]})`}>
      Prometheus <span className="font-mono">{prometheus.url}</span>
      <span className="text-zinc-500"> · {from[prometheus.source]}</span>
    </span>
  );
}
