"use client";

import { useEffect, useMemo } from "react";
import { CartesianGrid, Line, LineChart, Tooltip, XAxis, YAxis } from "recharts";
import type { MetricRange, PanelData } from "@/lib/contract/metrics";
import { byteTicks, timeTicks } from "./ticks";
import { formatInstant, formatTick, formatTime, formatValue } from "./units";

/**
 * One panel's lines (recharts). Loaded on demand by PanelCard, so recharts reaches the browser only
 * on a page that draws a chart. Animations are off: a refresh replaces the lines in one frame.
 */

export interface ChartSeries {
  key: string;
  label: string;
  color: string;
  hidden: boolean;
}

type Row = { t: number } & Record<string, number>; // a value may be null: a gap

/** Rows by timestamp, one column per series: the shape recharts draws several lines from. */
function rowsOf(data: PanelData, keys: string[]): Row[] {
  const byTime = new Map<number, Row>();
  data.series.forEach((s, i) => {
    for (const [t, v] of s.points) {
      let row = byTime.get(t);
      if (!row) byTime.set(t, (row = { t } as Row));
      row[keys[i]] = v;
    }
  });
  // A missing sample must be null, not absent, for recharts to break the line there instead of bridging the gap.
  const rows = [...byTime.values()].sort((a, b) => a.t - b.t);
  for (const row of rows) for (const k of keys) row[k] ??= null as unknown as number;
  return rows;
}

interface TooltipItem {
  dataKey?: unknown;
  name?: unknown;
  value?: unknown;
  color?: string;
}

function ChartTooltip({ active, payload, label, unit }: { active?: boolean; payload?: readonly TooltipItem[]; label?: unknown; unit: PanelData["unit"] }) {
  if (!active || !payload?.length) return null;
  const items = [...payload].filter((p) => typeof p.value === "number").sort((a, b) => (b.value as number) - (a.value as number));
  return (
    <div className="max-w-80 rounded-md border border-zinc-200 bg-white/95 px-2.5 py-1.5 text-[11px] shadow-md dark:border-zinc-700 dark:bg-zinc-900/95">
      <p className="mb-1 text-zinc-500">{typeof label === "number" ? formatInstant(label) : ""}</p>
      <ul className="grid gap-0.5">
        {items.slice(0, 12).map((p) => (
          <li key={String(p.dataKey)} className="flex items-center gap-2">
            <span aria-hidden className="inline-block size-2 shrink-0 rounded-full" style={{ background: p.color }} />
            <span className="truncate font-mono">{String(p.name)}</span>
            <span className="ml-auto pl-3 tabular-nums font-medium">{formatValue(unit, p.value as number)}</span>
          </li>
        ))}
        {items.length > 12 ? <li className="text-zinc-500">… {items.length - 12} more</li> : null}
      </ul>
    </div>
  );
}

/** Rows where a series has a sample with no neighbour: such a sample draws no segment, so it gets a dot. */
function isolatedRows(rows: Row[], key: string): Set<number> {
  const has = (i: number) => rows[i] !== undefined && typeof rows[i][key] === "number";
  const out = new Set<number>();
  for (let i = 0; i < rows.length; i++) if (has(i) && !has(i - 1) && !has(i + 1)) out.add(i);
  return out;
}

/** The dot of an isolated sample (sparse series stay visible); nothing elsewhere. */
function IsolatedDot({ cx, cy, index, isolated, color }: { cx?: number; cy?: number; index?: number; isolated: Set<number>; color: string }) {
  if (index === undefined || cx === undefined || cy === undefined || !Number.isFinite(cy) || !isolated.has(index)) return <g />;
  return <circle cx={cx} cy={cy} r={2} fill={color} />;
}

/** What recharts hands a custom tick (the part of it this one uses). */
interface TickProps {
  x: number | string;
  y: number | string;
  payload: { value?: unknown };
  textAnchor: "start" | "middle" | "end" | "inherit";
  verticalAnchor: "start" | "middle" | "end";
  className?: string;
}

/**
 * An axis label as a plain SVG text. recharts' own label measures every word in the DOM (a forced
 * layout per label) to wrap it, which took a large share of a first draw; these labels never wrap.
 */
function AxisTick({ x, y, payload, textAnchor, verticalAnchor, className, format }: TickProps & { format: (v: number) => string }) {
  const dy = verticalAnchor === "start" ? "0.71em" : verticalAnchor === "end" ? "0" : "0.355em";
  return (
    <text x={x} y={y} dy={dy} textAnchor={textAnchor} fill="currentColor" fontSize={10} className={className}>
      {format(Number(payload.value))}
    </text>
  );
}

const noLines = () => [];

export default function PanelChart({
  data,
  series,
  range,
  width,
  height,
  onDrawn,
}: {
  data: PanelData;
  series: ChartSeries[];
  range: MetricRange;
  width: number;
  height: number;
  /** Called after each render of new data has been committed (the card times data → drawn from it). */
  onDrawn: () => void;
}) {
  const keys = useMemo(() => series.map((s) => s.key), [series]);
  const rows = useMemo(() => rowsOf(data, keys), [data, keys]);
  const xTicks = useMemo(() => timeTicks(data.start, data.end, width - 82), [data.start, data.end, width]);
  const yTicks = useMemo(() => {
    if (data.unit !== "bytes") return undefined;
    const visible = new Set(series.filter((s) => !s.hidden).map((s) => s.key));
    let max = 0;
    for (const row of rows) for (const k of visible) if (row[k] > max) max = row[k];
    return byteTicks(max);
  }, [data.unit, rows, series]);
  // A dot renderer runs for every point of its line: only lines that have an isolated sample get one.
  const isolated = useMemo(() => new Map(keys.map((k) => [k, isolatedRows(rows, k)])), [rows, keys]);
  useEffect(() => onDrawn(), [data, onDrawn]);
  return (
    <LineChart width={width} height={height} data={rows} margin={{ top: 6, right: 24, bottom: 0, left: 0 }} className="text-zinc-500 dark:text-zinc-400">
      {/* No vertical lines, so none are computed: recharts would work out the time axis's ticks again for them, measuring each label in the DOM. */}
      <CartesianGrid stroke="currentColor" strokeOpacity={0.15} vertical={false} verticalCoordinatesGenerator={noLines} />
      <XAxis
        dataKey="t"
        type="number"
        scale="time"
        domain={[data.start, data.end]}
        allowDataOverflow
        ticks={xTicks}
        interval={0}
        tick={(p: TickProps) => <AxisTick {...p} format={(t) => formatTime(t, range)} />}
        stroke="currentColor"
        strokeOpacity={0.3}
      />
      <YAxis
        tick={(p: TickProps) => <AxisTick {...p} format={(v) => formatTick(data.unit, v)} />}
        interval={0}
        stroke="currentColor"
        strokeOpacity={0.3}
        width={58}
        ticks={yTicks}
        domain={yTicks ? [0, yTicks[yTicks.length - 1]] : data.unit === "ratio" ? [0, (max: number) => Math.max(max, 0.01)] : [0, "auto"]}
        allowDecimals
      />
      <Tooltip content={(p) => <ChartTooltip active={p.active} payload={p.payload as readonly TooltipItem[] | undefined} label={p.label} unit={data.unit} />} isAnimationActive={false} />
      {series.map((s) => (
        <Line
          key={s.key}
          dataKey={s.key}
          name={s.label}
          stroke={s.color}
          strokeWidth={1.5}
          dot={
            isolated.get(s.key)!.size === 0
              ? false
              : (p: { cx?: number; cy?: number; index?: number }) => <IsolatedDot key={`${s.key}-${p.index}`} {...p} isolated={isolated.get(s.key)!} color={s.color} />
          }
          activeDot={{ r: 3 }}
          type="linear"
          hide={s.hidden}
          isAnimationActive={false}
          connectNulls={false}
        />
      ))}
    </LineChart>
  );
}
