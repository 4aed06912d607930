"use client";

import { useCallback, useEffect, useMemo, useState, useSyncExternalStore } from "react";
import type { LogLine } from "@/lib/contract/logs";
import { Button } from "@/components/ui/Button";
import { compileFilter } from "./filter";
import { LogList } from "./LogList";
import { entryPlainText } from "./LogRow";
import { LOG_CAPACITY, LogStore } from "./logStore";
import { LogToolbar } from "./LogToolbar";
import { ProcessPicker, type PickableProcess } from "./ProcessPicker";
import { WorkerLegend } from "./WorkerLegend";
import { logStreamUrl, useLogStream } from "./useLogStream";
import { useLogUrlState } from "./useLogUrlState";

/** The `workers` parameter for the server: kept as given unless names and types are mixed. */
function workersParam(tokens: string[], processes: PickableProcess[]): string {
  if (tokens.length === 0 || tokens.includes("all")) return "all";
  if (tokens.length === 1) return tokens[0];
  const names = tokens.flatMap((t) => (t.startsWith("type:") ? processes.filter((p) => p.type === t.slice(5)).map((p) => p.name) : [t]));
  return [...new Set(names)].join(",");
}

function selectedNames(tokens: string[], processes: PickableProcess[]): string[] {
  if (tokens.length === 0 || tokens.includes("all")) return processes.map((p) => p.name);
  return [...new Set(tokens.flatMap((t) => (t.startsWith("type:") ? processes.filter((p) => p.type === t.slice(5)).map((p) => p.name) : [t])))];
}

function download(store: LogStore, label: string) {
  const parts: string[] = [];
  for (let i = 0; i < store.length; i++) parts.push(entryPlainText(store.at(i)));
  const blob = new Blob([parts.join("\n"), "\n"], { type: "text/plain" });
  const a = document.createElement("a");
  a.href = URL.createObjectURL(blob);
  a.download = `synapse-logs-${label.replace(/[^\w.-]+/g, "_")}-${new Date().toISOString().replace(/[:.]/g, "-")}.txt`;
  a.click();
  setTimeout(() => URL.revokeObjectURL(a.href), 10_000);
}

/**
 * Live logs of one or more processes, merged in time order: filters on the received window,
 * follow/pause, virtualized rows over a bounded window. `fixedWorkers` pins the selection (a worker's page);
 * without it a process picker is shown and the selection lives in the URL.
 */
export function LogViewer({ processes, fixedWorkers }: { processes: PickableProcess[]; fixedWorkers?: string[] }) {
  const [url, setUrl] = useLogUrlState();
  const tokens = fixedWorkers ?? url.workers;
  const param = workersParam(tokens, processes);
  const names = useMemo(() => (fixedWorkers ? fixedWorkers : selectedNames(tokens, processes)), [fixedWorkers, tokens, processes]);

  const [live] = useState(() => new LogStore(LOG_CAPACITY));
  const [found, setFound] = useState<{ store: LogStore; truncated: boolean } | null>(null);
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [wrap, setWrap] = useState(false);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(new Set());
  const store = found?.store ?? live;
  // The viewer re-renders when the view changes shape (following, empty or not, wrapped); the rows,
  // the counts and the new-lines counter follow every update on their own.
  useSyncExternalStore(store.subscribe, store.getShape, store.getShape);
  const { connection, error } = useLogStream(live, param, url.since, attempt);
  useEffect(() => () => live.dispose(), [live]);

  const filter = useMemo(
    () => compileFilter({ minLevel: url.level, text: url.q, regex: url.regex, request: url.request, hiddenWorkers: hidden }),
    [url.level, url.q, url.regex, url.request, hidden],
  );
  useEffect(() => {
    live.setFilter(filter);
    found?.store.setFilter(filter);
  }, [filter, live, found]);

  const following = store === live && live.following;
  const setFollowing = useCallback((on: boolean) => live.setFollowing(on), [live]);
  const pause = useCallback(() => setFollowing(false), [setFollowing]);
  const onRequest = useCallback((id: string) => setUrl({ request: id }), [setUrl]);

  async function searchBack() {
    setSearching(true);
    setSearchError(null);
    try {
      const res = await fetch(logStreamUrl(param, { follow: false, tail: 10_000, q: url.q, regex: url.regex, since: url.since }), { cache: "no-store" });
      const body = (await res.json().catch(() => null)) as { lines?: LogLine[]; truncated?: boolean; error?: { message?: string } } | null;
      if (!res.ok || !body?.lines) throw new Error(body?.error?.message ?? `The search failed (${res.status})`);
      const s = new LogStore(10_000);
      s.append(body.lines);
      s.setFilter(filter);
      setFound({ store: s, truncated: !!body.truncated });
    } catch (e) {
      setSearchError(e instanceof Error ? e.message : String(e));
    } finally {
      setSearching(false);
    }
  }

  const shown = store.length;
  const total = store.windowSize;
  return (
    <section aria-label="Logs" className="flex min-h-0 flex-1 flex-col overflow-hidden rounded-lg border border-zinc-200 bg-white dark:border-zinc-800 dark:bg-zinc-900">
      <div className="flex flex-col gap-2 border-b border-zinc-200 p-2 dark:border-zinc-800">
        <LogToolbar
          q={url.q}
          regex={url.regex}
          level={url.level}
          regexError={filter.error}
          onChange={(p) => setUrl({ ...(p.q !== undefined ? { q: p.q } : {}), ...(p.regex !== undefined ? { regex: p.regex ? "1" : null } : {}), ...(p.level !== undefined ? { level: p.level } : {}) })}
          onSearchBack={searchBack}
          searchingBack={searching}
        >
          {fixedWorkers ? null : <ProcessPicker processes={processes} value={tokens} onChange={(t) => setUrl({ workers: t.join(",") })} />}
        </LogToolbar>
        <div className="flex flex-wrap items-center gap-2 text-xs">
          <ConnectionBadge connection={found ? "search" : connection} />
          {url.request ? (
            <span className="inline-flex items-center gap-1 rounded-full bg-sky-100 py-0.5 pl-2 pr-1 text-sky-900 dark:bg-sky-950 dark:text-sky-200">
              request <span className="font-mono font-semibold">{url.request}</span>
              <button type="button" aria-label={`Remove request filter ${url.request}`} onClick={() => setUrl({ request: null })} className="rounded-full px-1 hover:bg-sky-200 dark:hover:bg-sky-900">
                ×
              </button>
            </span>
          ) : null}
          {names.length > 1 ? <WorkerLegend names={names} hidden={hidden} onChange={setHidden} /> : null}
          <LogCounts store={store} filtered={!!filter.test} />
          <label className="inline-flex items-center gap-1">
            <input type="checkbox" checked={wrap} onChange={(e) => setWrap(e.target.checked)} />
            Wrap lines
          </label>
          <Button onClick={() => download(store, names.join("+") || "logs")} disabled={shown === 0}>
            Download
          </Button>
          {found ? null : following ? (
            <Button onClick={pause}>Pause</Button>
          ) : (
            <Button tone="primary" onClick={() => setFollowing(true)}>
              Follow
            </Button>
          )}
        </div>
        {found ? (
          <p className="rounded-md bg-amber-50 px-2 py-1 text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200">
            Server search for <span className="font-mono">{url.q}</span>: {found.store.windowSize.toLocaleString()} lines{found.truncated ? " (the most recent 10,000; narrow the search for older ones)" : ""}.{" "}
            <button type="button" className="underline" onClick={() => setFound(null)}>
              Back to live
            </button>
          </p>
        ) : null}
        {searchError || error ? (
          <p role="alert" className="rounded-md bg-red-50 px-2 py-1 text-xs text-red-800 dark:bg-red-950 dark:text-red-200">
            {searchError ?? error}{" "}
            {error ? (
              <button type="button" className="underline" onClick={() => setAttempt((n) => n + 1)}>
                Try again
              </button>
            ) : null}
          </p>
        ) : null}
      </div>
      <div className="relative flex min-h-0 flex-1 flex-col">
        <LogList key={found ? "found" : "live"} store={store} wrap={wrap} following={following} onRequest={onRequest} onScrollBack={pause} />
        {shown === 0 ? (
          <p className="pointer-events-none absolute inset-x-0 top-8 text-center text-xs text-zinc-500">
            {total > 0 ? "No received line matches the filters. Loosen them, or search further back." : connection === "live" ? "Waiting for log lines…" : "Connecting to the log stream…"}
          </p>
        ) : null}
        {!found && !following ? (
          <div className="absolute bottom-3 left-1/2 flex -translate-x-1/2 items-center gap-2 rounded-full border border-zinc-200 bg-white py-1 pl-3 pr-1 text-xs shadow-md dark:border-zinc-700 dark:bg-zinc-900">
            <PendingCount store={live} />
            <Button tone="primary" className="rounded-full" onClick={() => setFollowing(true)}>
              Jump to end
            </Button>
          </div>
        ) : null}
      </div>
    </section>
  );
}

/** Lines in the window (and how many match), kept current on every store update. */
function LogCounts({ store, filtered }: { store: LogStore; filtered: boolean }) {
  useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);
  const shown = store.length;
  const total = store.windowSize;
  return (
    <span className="ml-auto text-zinc-500 tabular-nums" data-testid="log-counts">
      {filtered ? `${shown.toLocaleString()} of ${total.toLocaleString()} lines match` : `${total.toLocaleString()} lines`}
      {store.dropped > 0 ? ` · showing the last ${store.capacity.toLocaleString()} lines` : ""}
    </span>
  );
}

/** Lines that arrived while paused. */
function PendingCount({ store }: { store: LogStore }) {
  useSyncExternalStore(store.subscribe, store.getVersion, store.getVersion);
  return (
    <span role="status" className="tabular-nums">
      {store.pendingCount.toLocaleString()} new lines
    </span>
  );
}

function ConnectionBadge({ connection }: { connection: string }) {
  const look: Record<string, [string, string]> = {
    live: ["Live", "bg-emerald-500"],
    connecting: ["Connecting…", "bg-amber-400"],
    reconnecting: ["Reconnecting…", "bg-amber-400 animate-pulse"],
    refused: ["Disconnected", "bg-red-500"],
    search: ["Search results", "bg-zinc-400"],
  };
  const [text, dot] = look[connection] ?? look.connecting;
  return (
    <span role="status" data-testid="log-connection" className="inline-flex items-center gap-1.5 font-medium">
      <span aria-hidden className={`size-2 rounded-full ${dot}`} />
      {text}
    </span>
  );
}
