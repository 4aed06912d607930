/** Axis ticks at round values: times on whole minutes/hours of the local clock, bytes on binary steps. */

const TIME_STEPS = [60, 120, 300, 600, 900, 1800, 3600, 7200, 10_800, 21_600, 43_200, 86_400];
const MIN_TICK_GAP_PX = 90;

/** Ticks over [start, end] (unix seconds), at least MIN_TICK_GAP_PX apart at this width, aligned to the local clock. */
export function timeTicks(start: number, end: number, width: number): number[] {
  const span = end - start;
  if (!(span > 0) || width <= 0) return [];
  const maxTicks = Math.max(2, Math.floor(width / MIN_TICK_GAP_PX));
  const step = TIME_STEPS.find((s) => span / s <= maxTicks) ?? Math.ceil(span / maxTicks / 86_400) * 86_400;
  // Seconds east of UTC, so 6 h ticks fall on 00:00, 06:00… of the operator's clock, not of UTC.
  const offset = -new Date(start * 1000).getTimezoneOffset() * 60;
  const first = Math.ceil((start + offset) / step) * step - offset;
  const ticks: number[] = [];
  for (let t = first; t <= end && ticks.length < 100; t += step) ticks.push(t);
  return ticks;
}

/** 0 … ≥ max in 3–6 steps of 1, 2, 2.5 or 5 × a power of ten of the largest binary unit under max. */
export function byteTicks(max: number): number[] | undefined {
  if (!(max > 0) || !Number.isFinite(max)) return undefined;
  const base = 1024 ** Math.max(0, Math.min(4, Math.floor(Math.log(max) / Math.log(1024))));
  const scaled = max / base;
  const raw = scaled / 4;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = ([1, 2, 2.5, 5, 10].find((m) => m * pow >= raw) ?? 10) * pow;
  const ticks: number[] = [];
  for (let v = 0; v < scaled + step && ticks.length < 12; v += step) ticks.push(v * base);
  return ticks;
}
