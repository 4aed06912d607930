"use client";

import { useQuery, useQueryClient, type QueryClient } from "@tanstack/react-query";
import { useEffect, useState, useSyncExternalStore } from "react";
import type { LiveEvent, StatsSample, Topology } from "@/lib/contract/topology";
import { appendSample, applyEventToCache, liveEventTypes, topologyKey } from "./cache";

export { topologyKey };

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

async function fetchTopology(): Promise<Topology> {
  const res = await fetch("/api/topology", { cache: "no-store" });
  if (res.status === 401) {
    window.location.href = `/login?next=${encodeURIComponent(window.location.pathname)}`;
    throw new HttpError(401, "Signed out");
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
    throw new HttpError(res.status, body?.error?.message ?? `Topology request failed (${res.status})`);
  }
  return res.json();
}

/** Recent resource samples per container, for sparklines; lives only in this tab. */
const history = new Map<string, StatsSample[]>();
const historyListeners = new Set<() => void>();
let historyVersion = 0;

function pushSample(containerId: string, s: StatsSample) {
  history.set(containerId, appendSample(history.get(containerId) ?? [], s));
  historyVersion++;
  for (const l of historyListeners) l();
}

export function useStatsHistory(containerId: string | null): StatsSample[] {
  useSyncExternalStore(
    (cb) => {
      historyListeners.add(cb);
      return () => historyListeners.delete(cb);
    },
    () => historyVersion,
    () => 0,
  );
  return containerId ? (history.get(containerId) ?? []) : [];
}

function applyToCache(qc: QueryClient, e: LiveEvent) {
  if (e.type === "stats") pushSample(e.containerId, e.sample);
  applyEventToCache(qc, e);
}

export type LiveStatus = "connecting" | "live" | "reconnecting";

/** The topology, kept current by the server's event stream (no polling). */
export function useLiveTopology() {
  const qc = useQueryClient();
  const query = useQuery({ queryKey: topologyKey, queryFn: fetchTopology });
  const [status, setStatus] = useState<LiveStatus>("connecting");

  useEffect(() => {
    const source = new EventSource("/api/events");
    let hadError = false;
    source.onopen = () => {
      setStatus("live");
      // Whatever happened while we were away is in a fresh topology, not in replayed events.
      if (hadError) void qc.invalidateQueries({ queryKey: topologyKey });
      hadError = false;
    };
    source.onerror = () => {
      hadError = true;
      setStatus("reconnecting");
    };
    const onEvent = (msg: MessageEvent<string>) => {
      try {
        applyToCache(qc, JSON.parse(msg.data) as LiveEvent);
      } catch {
        /* a malformed frame is dropped; the next full fetch corrects any drift */
      }
    };
    for (const type of liveEventTypes) source.addEventListener(type, onEvent);
    return () => source.close();
  }, [qc]);

  return { ...query, live: status };
}
