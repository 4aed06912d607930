"use client";

import { useQuery } from "@tanstack/react-query";
import { useEffect, useMemo, useRef } from "react";
import type { Diagnostics } from "@/lib/contract/diagnostics";
import type { Topology } from "@/lib/contract/topology";
import { apiFetch } from "@/components/operations/api";
import { useLiveTopology } from "@/components/topology/useLiveTopology";

export const diagnosticsKey = ["diagnostics"] as const;
export const RERUN_EVERY_MS = 30_000;
/** Container events come in bursts (kill, die, stop, start…): one re-run for the lot. */
const EVENT_SETTLE_MS = 1_000;

/** What a re-run on events keys on: every container's state and every process's health. */
export function containerSignature(t: Topology | undefined): string {
  if (!t) return "";
  return [
    ...t.processes.map((p) => `${p.name}:${p.container?.id ?? "-"}:${p.state}:${p.health}`),
    ...t.services.map((s) => `${s.kind}/${s.name}:${s.containerId}:${s.state}`),
  ].sort().join("|");
}

/**
 * The checks, re-run every 30 s while the tab is visible (react-query pauses the interval in a
 * hidden tab) and shortly after any container changes, through the live events the topology uses.
 */
export function useDiagnostics() {
  const query = useQuery({
    queryKey: diagnosticsKey,
    queryFn: () => apiFetch<Diagnostics>("/api/diagnostics"),
    refetchInterval: RERUN_EVERY_MS,
    refetchIntervalInBackground: false,
    refetchOnWindowFocus: true,
  });
  const topology = useLiveTopology();
  const signature = useMemo(() => containerSignature(topology.data), [topology.data]);
  const seen = useRef<string | null>(null);
  const { refetch } = query;
  useEffect(() => {
    if (!signature) return;
    if (seen.current === null || seen.current === signature) {
      seen.current = signature;
      return;
    }
    seen.current = signature;
    const t = setTimeout(() => void refetch(), EVENT_SETTLE_MS);
    return () => clearTimeout(t);
  }, [signature, refetch]);
  return { ...query, live: topology.live };
}
