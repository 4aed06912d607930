"use client";

import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { MetricRange, PanelData, PanelInfo, Series } from "@/lib/contract/metrics";
import { usePanelData } from "./api";
import { seriesColors } from "./colors";
import { seriesLabels } from "./labels";
import { PanelNotice } from "./PanelNotice";
import { formatValue, rangeLabels, unitLabels } from "./units";
// recharts (~100 KiB gzipped) is part of the pages that draw charts (Metrics, a worker's Overview)
// and of no other: the topology page stays light. Loaded with the page rather than on demand, it is
// there before the data, so a first load draws as soon as the data arrives (npm run bench metrics).
import PanelChart, { type ChartSeries } from "./PanelChart";

export type PanelState = "loading" | "ready" | "empty" | "unavailable";

const MIN_WIDTH = 100;
const MAX_WIDTH = 2000;
// The server's step follows the width; 50 px buckets keep a window resize from refetching per pixel.
const WIDTH_BUCKET = 50;

function Skeleton() {
  return <div aria-hidden className="h-full w-full animate-pulse rounded bg-zinc-100 dark:bg-zinc-800/70" />;
}

function useElementWidth(ref: React.RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const el = ref.current;
    if (!el) return;
    setWidth(Math.floor(el.getBoundingClientRect().width));
    const ro = new ResizeObserver(([entry]) => setWidth(Math.floor(entry.contentRect.width)));
    ro.observe(el);
    return () => ro.disconnect();
  }, [ref]);
  return width;
}

/** Replaces the previous mark of that name, so hours of refreshes do not pile marks up. */
function markAfterTwoFrames(name: string): () => void {
  let id = requestAnimationFrame(() => {
    id = requestAnimationFrame(() => {
      performance.clearMarks(name);
      performance.mark(name);
    });
  });
  return () => cancelAnimationFrame(id);
}

const latest = (s: Series) => s.points.at(-1)?.[1];

function stateOf(isError: boolean, data: PanelData | undefined): PanelState {
  if (isError) return "unavailable";
  if (!data) return "loading";
  return data.series.some((s) => s.points.length > 0) ? "ready" : "empty";
}

/** One panel: its lines per process over the range, a legend that toggles them, and what to do when there are none. */
export function PanelCard({
  info,
  range,
  workers,
  prometheusUrl,
  height = 180,
}: {
  info: PanelInfo;
  range: MetricRange;
  /** Process names; null = every process. */
  workers: string[] | null;
  prometheusUrl: string | null;
  height?: number;
}) {
  const bodyRef = useRef<HTMLDivElement>(null);
  const width = useElementWidth(bodyRef);
  const queryWidth = width > 0 ? Math.min(MAX_WIDTH, Math.max(MIN_WIDTH, Math.round(width / WIDTH_BUCKET) * WIDTH_BUCKET)) : 0;
  const q = usePanelData({ panel: info.id, range, workers, width: queryWidth });
  const data = q.data;
  const state = stateOf(q.isError, data);
  const [hidden, setHidden] = useState<ReadonlySet<string>>(() => new Set());

  const series: ChartSeries[] = useMemo(() => {
    const raw = data?.series ?? [];
    const labels = seriesLabels(raw);
    const colors = seriesColors(raw);
    return raw.map((_, i) => ({ key: `s${i}`, label: labels[i], color: colors[i], hidden: hidden.has(labels[i]) }));
  }, [data, hidden]);
  const toggle = (label: string) =>
    setHidden((h) => {
      const next = new Set(h);
      if (!next.delete(label)) next.add(label);
      return next;
    });

  const drawnMark = `metrics:drawn:${info.id}`;
  const onDrawn = useCallback(() => markAfterTwoFrames(drawnMark), [drawnMark]);
  // An empty panel is "drawn" once its notice is on screen; a chart reports itself (it may still be loading).
  useEffect(() => (state === "empty" ? markAfterTwoFrames(drawnMark) : undefined), [state, data, drawnMark]);

  const summary = series
    .map((s, i) => ({ s, v: data ? latest(data.series[i]) : undefined }))
    .filter(({ s }) => !s.hidden)
    .slice(0, 6)
    .map(({ s, v }) => `${s.label} ${v === undefined ? "no value" : formatValue(info.unit, v)}`)
    .join("; ");

  return (
    <section
      aria-labelledby={`panel-title-${info.id}`}
      data-testid={`panel-${info.id}`}
      data-state={state}
      data-series-count={data?.series.length ?? 0}
      className="flex min-w-0 flex-col gap-2 rounded-lg border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900"
    >
      <header className="flex items-baseline gap-2">
        <h2 id={`panel-title-${info.id}`} className="text-sm font-semibold">
          {info.title}
        </h2>
        <span className="text-[11px] text-zinc-500">{unitLabels[info.unit]}</span>
        {q.isFetching && state !== "loading" ? <span className="ml-auto size-1.5 animate-pulse rounded-full bg-sky-500" title="Refreshing" /> : null}
      </header>
      <p className="line-clamp-2 text-[11px] text-zinc-500" title={info.description}>
        {info.description}
      </p>
      <div ref={bodyRef} style={{ height }} className="relative min-w-0">
        {state === "loading" ? <Skeleton /> : null}
        {state === "unavailable" ? <PanelNotice error={q.error} prometheusUrl={prometheusUrl} /> : null}
        {state === "empty" ? (
          <p className="flex h-full items-center justify-center rounded border border-dashed border-zinc-200 px-4 text-center text-xs text-zinc-500 dark:border-zinc-700">
            No samples yet for {workers ? workers.join(", ") : "these workers"} in this range (last {rangeLabels[range]}). A process shows up after
            Prometheus has scraped it a few times; one without a metrics listener never does.
          </p>
        ) : null}
        {state === "ready" && data && width > 0 ? (
          <div role="img" aria-label={`${info.title} over the last ${rangeLabels[range]}, latest: ${summary || "every series hidden"}`}>
            <PanelChart data={data} series={series} range={range} width={width} height={height} onDrawn={onDrawn} />
          </div>
        ) : null}
      </div>
      {state === "ready" && data ? (
        <ul aria-label={`${info.title} series`} className="flex max-h-20 flex-wrap gap-x-3 gap-y-1 overflow-y-auto text-[11px]">
          {series.map((s, i) => {
            const v = latest(data.series[i]);
            return (
              <li key={s.key}>
                <button
                  type="button"
                  aria-pressed={!s.hidden}
                  onClick={() => toggle(s.label)}
                  title={s.hidden ? `Show ${s.label}` : `Hide ${s.label}`}
                  className="inline-flex items-center gap-1.5 rounded px-1 hover:bg-zinc-100 aria-[pressed=false]:opacity-40 dark:hover:bg-zinc-800"
                >
                  <span aria-hidden className="inline-block h-0.5 w-3 rounded" style={{ background: s.color }} />
                  <span className="font-mono">{s.label}</span>
                  {v !== undefined ? <span className="tabular-nums text-zinc-500">{formatValue(info.unit, v)}</span> : null}
                </button>
              </li>
            );
          })}
        </ul>
      ) : null}
      {data ? (
        <details className="text-[11px] text-zinc-500">
          <summary className="cursor-pointer select-none">PromQL · step {data.step} s · rate window {data.window} s</summary>
          <code className="mt-1 block whitespace-pre-wrap break-all rounded bg-zinc-50 p-2 font-mono text-zinc-700 dark:bg-zinc-950 dark:text-zinc-300">{data.query}</code>
        </details>
      ) : null}
    </section>
  );
}
