/**
 * Log timestamps. Lines carry the engine's fixed-width RFC 3339 UTC form
 * ("2026-11-26T18:09:26.289670199Z"), which sorts as a string: merging and resuming compare
 * strings, never dates (a Date would lose the nanoseconds).
 */

const DURATION = /^(\d{1,6})(s|m|h|d)$/;
const UNIT_MS = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const FRACTION = /\.(\d+)/;

/** A `since`/`until` value (duration back from now, or a timestamp) as a fixed-width UTC ts. */
export function resolveTimeBound(value: string, now = Date.now()): string {
  const d = DURATION.exec(value);
  if (d) {
    const ts = fixedTs(new Date(now - Number(d[1]) * UNIT_MS[d[2] as keyof typeof UNIT_MS]).toISOString());
    if (ts) return ts;
  }
  const ts = fixedTs(value);
  if (!ts) throw new RangeError(`not a timestamp: ${value}`);
  return ts;
}

/**
 * Any RFC 3339 timestamp as "YYYY-MM-DDTHH:MM:SS.nnnnnnnnnZ", keeping all nine fraction digits.
 * Null when it does not parse.
 */
export function fixedTs(value: string): string | null {
  if (value.length > 40) return null;
  const frac = FRACTION.exec(value)?.[1] ?? "";
  const ms = Date.parse(value.replace(FRACTION, ""));
  if (Number.isNaN(ms)) return null;
  const base = new Date(ms).toISOString(); // whole seconds since the fraction was cut: "….000Z"
  if (base.length !== 24) return null; // years outside 0000–9999
  return `${base.slice(0, 19)}.${frac.slice(0, 9).padEnd(9, "0")}Z`;
}

/** A fixed-width ts as the engine's `since`/`until` parameter: Unix seconds with nine decimals. */
export function engineSeconds(ts: string): string {
  const seconds = Math.floor(Date.parse(ts.slice(0, 19) + "Z") / 1000);
  return `${seconds}.${ts.slice(20, 29)}`;
}

/** The fixed-width ts of a moment given in milliseconds, with a sub-millisecond sequence to keep lines of one millisecond apart. */
export function tsFromMillis(ms: number, seq = 0): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 23)}${String(seq % 1_000_000).padStart(6, "0")}Z`;
}
