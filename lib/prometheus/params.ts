import { FleetError } from "@/lib/errors";
import { metricRanges, type MetricRange } from "@/lib/contract/metrics";
import { DEFAULT_WIDTH, MAX_WIDTH, MIN_WIDTH } from "./step";

/**
 * The query parameters of GET /api/metrics/{panel}, whitelisted and bounded. Pure: the caller
 * passes the clock. Which workers exist is checked later, against the deployment.
 */

export const RANGE_SECONDS: Record<MetricRange, number> = { "15m": 900, "1h": 3600, "6h": 21_600, "24h": 86_400, "7d": 604_800 };
export const DEFAULT_RANGE: MetricRange = "1h";
export const MAX_SPAN_SECONDS = RANGE_SECONDS["7d"];
/** A clock a little ahead of ours is tolerated; a range further in the future is a mistake. */
export const FUTURE_TOLERANCE_SECONDS = 60;
export const MAX_WORKERS = 50;
export const MAX_WORKER_NAME_LENGTH = 100;

const ALLOWED = new Set(["range", "start", "end", "workers", "width"]);

export interface PanelParams {
  start: number;
  end: number;
  /** The named range, or null when start and end were given. */
  range: MetricRange | null;
  workers: string[];
  width: number;
}

function invalid(message: string, details?: Record<string, unknown>): FleetError {
  return new FleetError("invalid", message, details);
}

/** Unix seconds, at most millisecond precision. */
function parseTime(name: string, raw: string): number {
  if (!/^\d{1,11}(\.\d{1,3})?$/.test(raw)) throw invalid(`${name} must be unix seconds (e.g. 1700000000), got ${JSON.stringify(raw.slice(0, 40))}`, { parameter: name });
  return Number(raw);
}

export function parsePanelParams(search: URLSearchParams, nowSeconds: number): PanelParams {
  const values = new Map<string, string>();
  for (const [key, value] of search) {
    if (!ALLOWED.has(key)) throw invalid(`Unknown parameter ${JSON.stringify(key.slice(0, 40))}; allowed: ${[...ALLOWED].join(", ")}`, { parameter: key.slice(0, 40) });
    if (values.has(key)) throw invalid(`${key} is given more than once`, { parameter: key });
    values.set(key, value);
  }

  const rangeRaw = values.get("range");
  const startRaw = values.get("start");
  const endRaw = values.get("end");
  let start: number;
  let end: number;
  let range: MetricRange | null = null;
  if (startRaw !== undefined || endRaw !== undefined) {
    if (rangeRaw !== undefined) throw invalid("Give either range or start and end, not both", { parameter: "range" });
    if (startRaw === undefined || endRaw === undefined) throw invalid("start and end go together", { parameter: startRaw === undefined ? "start" : "end" });
    start = parseTime("start", startRaw);
    end = parseTime("end", endRaw);
    if (end <= start) throw invalid("end must be after start", { parameter: "end" });
    if (end - start > MAX_SPAN_SECONDS) throw invalid(`The range may span at most 7 days (${MAX_SPAN_SECONDS} s)`, { parameter: "start" });
    if (end > nowSeconds + FUTURE_TOLERANCE_SECONDS) throw invalid("end lies in the future", { parameter: "end" });
  } else {
    const r = rangeRaw ?? DEFAULT_RANGE;
    if (!(metricRanges as readonly string[]).includes(r)) throw invalid(`range must be one of ${metricRanges.join(", ")}`, { parameter: "range" });
    range = r as MetricRange;
    end = nowSeconds;
    start = end - RANGE_SECONDS[range];
  }

  let width = DEFAULT_WIDTH;
  const widthRaw = values.get("width");
  if (widthRaw !== undefined) {
    if (!/^\d{1,5}$/.test(widthRaw) || Number(widthRaw) < MIN_WIDTH || Number(widthRaw) > MAX_WIDTH) {
      throw invalid(`width must be a whole number of pixels from ${MIN_WIDTH} to ${MAX_WIDTH}`, { parameter: "width" });
    }
    width = Number(widthRaw);
  }

  return { start, end, range, workers: parseWorkers(values.get("workers")), width };
}

/** `a,b`: at most 50 distinct names; order kept, repeats dropped. */
function parseWorkers(raw: string | undefined): string[] {
  if (raw === undefined) return [];
  if (raw.length > MAX_WORKERS * (MAX_WORKER_NAME_LENGTH + 1)) throw invalid("workers is too long", { parameter: "workers" });
  const names = raw.split(",");
  if (names.length > MAX_WORKERS) throw invalid(`At most ${MAX_WORKERS} workers at a time`, { parameter: "workers" });
  const out: string[] = [];
  for (const name of names) {
    if (name === "") throw invalid("workers holds an empty name", { parameter: "workers" });
    if (name.length > MAX_WORKER_NAME_LENGTH) throw invalid(`A worker name is at most ${MAX_WORKER_NAME_LENGTH} characters`, { parameter: "workers" });
    // Whether the name exists is checked against the deployment (404); control characters never can.
    if (/[\u0000-\u001f\u007f]/.test(name)) throw invalid("A worker name holds a control character", { parameter: "workers" });
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
