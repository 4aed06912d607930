"use client";

import { useEffect, useState } from "react";
import type { LogLine, LogStatus } from "@/lib/contract/logs";
import type { LogStore } from "./logStore";

export type LogConnection = "connecting" | "live" | "reconnecting" | "refused";

/** How many recent lines a fresh stream starts with (the server caps it at 10,000). */
const INITIAL_TAIL = 1000;

/** The stream's query: which processes (`all`, `type:<t>`, or names) and from when. */
export function logStreamUrl(workers: string, opts: { since?: string; tail?: number; follow?: boolean; q?: string; regex?: boolean } = {}): string {
  const p = new URLSearchParams({ workers });
  if (opts.follow !== false) p.set("follow", "1");
  p.set("tail", String(opts.tail ?? (opts.since ? 10_000 : INITIAL_TAIL)));
  if (opts.since) p.set("since", opts.since);
  if (opts.q) p.set("q", opts.q);
  if (opts.regex) p.set("regex", "1");
  return `/api/logs?${p}`;
}

async function refusal(url: string): Promise<string> {
  // EventSource hides the HTTP status; asking for one page (no follow) brings the server's reason.
  const res = await fetch(url.replace("follow=1", "follow=0").replace(/tail=\d+/, "tail=0"), { cache: "no-store" }).catch(() => null);
  if (!res) return "The dashboard cannot be reached.";
  if (res.status === 401) {
    window.location.href = `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
    return "Signed out.";
  }
  if (res.ok) return "The log stream closed.";
  const body = (await res.json().catch(() => null)) as { error?: { message?: string } } | null;
  return body?.error?.message ?? `The log stream was refused (${res.status}).`;
}

/**
 * Streams one selection of processes into the store over SSE. EventSource reconnects by itself
 * and resumes after the last batch (Last-Event-ID = the newest timestamp), so nothing is doubled.
 */
export function useLogStream(store: LogStore, workers: string | null, since: string | undefined, attempt = 0) {
  const [connection, setConnection] = useState<LogConnection>("connecting");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    if (!workers) return;
    store.reset();
    setConnection("connecting");
    setError(null);
    const url = logStreamUrl(workers, { since });
    const source = new EventSource(url);
    let closed = false;
    source.onopen = () => setConnection("live");
    source.onerror = () => {
      if (source.readyState === EventSource.CLOSED) {
        setConnection("refused");
        void refusal(url).then((m) => !closed && setError(m));
      } else setConnection("reconnecting");
    };
    source.addEventListener("lines", (msg: MessageEvent<string>) => {
      try {
        const { lines } = JSON.parse(msg.data) as { lines: LogLine[] };
        if (lines.length) store.append(lines);
      } catch {
        /* a malformed batch is skipped; the next one carries on from its own id */
      }
    });
    source.addEventListener("status", (msg: MessageEvent<string>) => {
      try {
        store.appendStatus(JSON.parse(msg.data) as LogStatus);
      } catch {
        /* ignored like a malformed batch */
      }
    });
    return () => {
      closed = true;
      source.close();
    };
  }, [store, workers, since, attempt]);

  return { connection, error };
}
