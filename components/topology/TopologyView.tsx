"use client";

import { useEffect, useState } from "react";
import type { InfraService, Topology } from "@/lib/contract/topology";
import { roleGroupOf, roleGroups } from "@/lib/synapse/types";
import { StatusDot } from "@/components/ui/StatusDot";
import { PrometheusSource } from "@/components/metrics/PrometheusSource";
import { useCanOperate } from "@/components/shell/PrincipalContext";
import { ProcessCard } from "./ProcessCard";
import { SwarmNodes } from "./SwarmNodes";
import { TopologyActions } from "./TopologyActions";
import { useLiveTopology, type LiveStatus } from "./useLiveTopology";

function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(t);
  }, [everyMs]);
  return now;
}

function Header({ t, live, canOperate }: { t: Topology | undefined; live: LiveStatus; canOperate: boolean }) {
  const liveText = { connecting: "Connecting…", live: "Live", reconnecting: "Reconnecting…" }[live];
  return (
    <header className="flex flex-wrap items-center gap-x-6 gap-y-2 border-b border-zinc-200 px-6 py-3 dark:border-zinc-800">
      <div>
        <h1 className="text-base font-semibold">Topology</h1>
        <p className="text-xs text-zinc-500">
          <span className="font-mono">{t?.serverName ?? "unknown server"}</span>
          {t?.synapseVersion ? ` · Synapse ${t.synapseVersion}` : ""}
        </p>
      </div>
      {canOperate && t ? <TopologyActions processes={t.processes} nodes={t.nodes ?? null} /> : null}
      <div className="ml-auto flex items-center gap-4 text-xs" aria-label="connections">
        <span className="flex items-center gap-1.5" data-testid="docker-status">
          <StatusDot health={t ? (t.docker.reachable ? "healthy" : "unhealthy") : "unknown"} />
          Docker {t ? (t.docker.reachable ? `reachable${t.docker.version ? ` (${t.docker.version})` : ""}` : "unreachable") : "…"}
        </span>
        {/* Where metrics come from, not whether they flow: the Metrics screen says that per panel. */}
        <PrometheusSource prometheus={t?.prometheus} />
        <span className="flex items-center gap-1.5" role="status" data-testid="live-status">
          <StatusDot health={live === "live" ? "healthy" : "starting"} />
          {liveText}
        </span>
      </div>
    </header>
  );
}

const serviceLabels: Record<InfraService["kind"], string> = { postgres: "PostgreSQL", redis: "Redis", prometheus: "Prometheus", traefik: "Traefik", nginx: "nginx" };

function LoadBalancer({ t }: { t: Topology }) {
  // The entrypoint itself, when discovery found one: which container routes, and whether it runs.
  const entrypoints = t.services.filter((s) => s.kind === "nginx" || s.kind === "traefik");
  return (
    <section aria-labelledby="lb-title" className="rounded-lg border border-dashed border-zinc-300 p-3 dark:border-zinc-700">
      <div className="mb-2 flex flex-wrap items-center gap-x-4 gap-y-1">
        <h2 id="lb-title" className="text-xs font-semibold uppercase tracking-wide text-zinc-500">
          Load balancer routes
        </h2>
        {entrypoints.map((s) => (
          <span key={s.containerId} role="group" aria-label={`Load balancer ${s.name}`} className="flex items-center gap-1.5 text-xs">
            <StatusDot health={s.health} />
            <span className="font-medium">{serviceLabels[s.kind]}</span>
            <code className="font-mono text-[11px] text-zinc-500">{s.name}</code>
            <span className="font-mono text-[11px] text-zinc-500">{s.state}</span>
          </span>
        ))}
      </div>
      {t.routes.length === 0 ? (
        <p className="text-xs text-zinc-500">No Traefik labels found on the Synapse containers: every request goes to the main process.</p>
      ) : (
        <ul className="grid gap-1 text-xs">
          {t.routes.map((r) => (
            <li key={r.router} className="flex flex-wrap items-baseline gap-2">
              <code className="font-mono text-[11px] text-zinc-600 dark:text-zinc-400">{r.rule || r.router}</code>
              <span aria-hidden>→</span>
              <span className="font-mono text-[11px]">{r.targets.join(", ") || r.service}</span>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}


function Services({ services }: { services: InfraService[] }) {
  const kinds: InfraService["kind"][] = ["postgres", "redis", "prometheus"];
  return (
    <section aria-labelledby="svc-title">
      <h2 id="svc-title" className="mb-2 text-xs font-semibold uppercase tracking-wide text-zinc-500">
        Shared services
      </h2>
      <ul className="flex flex-wrap gap-3">
        {kinds.map((kind) => {
          const found = services.filter((s) => s.kind === kind);
          return (
            <li key={kind} aria-label={serviceLabels[kind]} className="flex min-w-44 items-center gap-2 rounded-lg border border-zinc-200 bg-white px-3 py-2 dark:border-zinc-800 dark:bg-zinc-900">
              <StatusDot health={found[0]?.health ?? "unknown"} />
              <span className="font-medium">{serviceLabels[kind]}</span>
              <span className="ml-auto font-mono text-[11px] text-zinc-500">{found.length ? found.map((s) => s.state).join(", ") : "not found"}</span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

/** The guide's diagram, live: load balancer → processes by role → shared services. */
export function TopologyView() {
  const { data: t, error, isPending, live } = useLiveTopology();
  const now = useNow(30_000);
  const canOperate = useCanOperate();
  return (
    <div className="flex min-h-screen flex-col">
      <Header t={t} live={live} canOperate={canOperate} />
      <div className="flex flex-col gap-5 p-6">
        {error ? (
          <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-3 text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
            {error.message}
          </p>
        ) : null}
        {isPending ? <p className="text-zinc-500">Reading the deployment…</p> : null}
        {t && !t.docker.reachable ? (
          <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
            {t.docker.error ?? "Docker Engine is unreachable"}. Check that the daemon runs and that the dashboard can open its socket
            (DOCKER_HOST); this page reconnects by itself.{" "}
            {t.processes.length > 0 ? "The processes below are as last seen; their state is unknown until then." : null}
          </p>
        ) : null}
        {t ? (
          <>
            <LoadBalancer t={t} />
            <SwarmNodes t={t} />
            {t.processes.length === 0 && t.docker.reachable ? (
              <p className="rounded-md border border-zinc-200 p-4 text-zinc-600 dark:border-zinc-800 dark:text-zinc-400">
                No Synapse container found on this Docker Engine. Start your deployment, or check SYNAPSE_CONFIG_DIR
                {t.configDir ? <> (now <code className="font-mono">{t.configDir}</code>)</> : null}.
              </p>
            ) : null}
            <div className="flex flex-wrap items-start gap-x-6 gap-y-5">
              {roleGroups.map((g) => {
                const members = t.processes.filter((p) => roleGroupOf(p.type) === g.id);
                if (members.length === 0) return null;
                return (
                  <section key={g.id} aria-label={g.label}>
                    <h2 className="mb-2 text-xs font-semibold uppercase tracking-wide text-zinc-500">
                      {g.label} <span className="font-normal">({members.length})</span>
                    </h2>
                    <div className="flex flex-wrap gap-3">
                      {members.map((p) => (
                        <ProcessCard key={p.container?.id ?? p.name} process={p} now={now} canOperate={canOperate} />
                      ))}
                    </div>
                  </section>
                );
              })}
            </div>
            <Services services={t.services} />
            {t.warnings.length > 0 ? (
              <section aria-label="Warnings" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
                <h2 className="mb-1 font-semibold">Warnings</h2>
                <ul className="list-disc pl-5">
                  {t.warnings.map((w) => (
                    <li key={w}>{w}</li>
                  ))}
                </ul>
              </section>
            ) : null}
          </>
        ) : null}
      </div>
    </div>
  );
}
