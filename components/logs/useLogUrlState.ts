"use client";

import { useSearchParams } from "next/navigation";
import { useCallback, useEffect, useRef, useState } from "react";
import { logLevels, type LogLevel } from "@/lib/logs/parse";

/** The log view's state as the URL carries it: `?workers=a,b&level=&q=&regex=&since=&request=`. */
export interface LogUrlState {
  workers: string[];
  level: LogLevel | null;
  q: string;
  regex: boolean;
  since: string | undefined;
  request: string | null;
}

export type LogUrlPatch = Partial<Record<"workers" | "level" | "q" | "regex" | "since" | "request", string | null>>;

function readState(params: URLSearchParams): LogUrlState {
  const level = params.get("level")?.toUpperCase() ?? "";
  return {
    workers: (params.get("workers") ?? "all").split(",").map((s) => s.trim()).filter(Boolean),
    level: (logLevels as readonly string[]).includes(level) ? (level as LogLevel) : null,
    q: params.get("q") ?? "",
    regex: params.get("regex") === "1" || params.get("regex") === "true",
    since: params.get("since") || undefined,
    request: params.get("request") || null,
  };
}

/**
 * Reads and writes the log filters in the URL (other parameters, such as `tab`, are kept). The
 * controls answer at once from local state; the URL follows, and a navigation to other filters wins.
 */
export function useLogUrlState(): [LogUrlState, (patch: LogUrlPatch) => void] {
  const params = useSearchParams();
  const [state, setState] = useState(() => readState(new URLSearchParams(params.toString())));
  // What this hook wrote lately: the router catches up with those a little later, and must not undo newer edits.
  const written = useRef<string[]>([]);

  useEffect(() => {
    const now = params.toString();
    if (!written.current.includes(now)) setState(readState(new URLSearchParams(now)));
  }, [params]);

  const update = useCallback((patch: LogUrlPatch) => {
    const next = new URLSearchParams(window.location.search);
    for (const [k, v] of Object.entries(patch)) {
      if (v === null || v === "" || v === undefined) next.delete(k);
      else next.set(k, v);
    }
    written.current = [...written.current.slice(-19), next.toString()];
    setState(readState(next));
    const qs = next.toString().replaceAll("%2C", ",").replaceAll("%3A", ":");
    // Next's router picks up history.replaceState (with no state of its own), so useSearchParams follows.
    window.history.replaceState(null, "", `${window.location.pathname}${qs ? `?${qs}` : ""}`);
  }, []);

  return [state, update];
}
