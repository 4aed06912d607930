import { FleetError } from "@/lib/errors";
import { logQuerySchema } from "@/lib/contract/logs";
import { lineMatcher, type LineMatcher } from "./search";
import { parseWorkerSelector, type WorkerSelector } from "./resolve";
import { fixedTs, resolveTimeBound } from "./time";

/** A log request, validated and resolved: fixed-width ts bounds, a compiled search. */
export interface LogRequest {
  selector: WorkerSelector;
  follow: boolean;
  tail: number;
  since?: string;
  until?: string;
  matcher: LineMatcher | null;
  /** Last-Event-ID of a reconnecting EventSource: resume strictly after this ts. */
  after: string | null;
}

const PARAMS = ["workers", "tail", "since", "until", "follow", "q", "regex"] as const;

/**
 * Parses a log route's query: every parameter whitelisted (unknown or repeated → 400) and
 * bounded by logQuerySchema. `worker` is the path's worker name (the per-worker route).
 */
export function parseLogRequest(params: URLSearchParams, opts: { worker?: string; lastEventId?: string | null } = {}): LogRequest {
  const allowed = new Set<string>(opts.worker ? PARAMS.filter((p) => p !== "workers") : PARAMS);
  const raw: Record<string, string> = {};
  for (const [key, value] of params) {
    if (!allowed.has(key)) throw new FleetError("invalid", `Unknown query parameter "${key.slice(0, 40)}"; allowed: ${[...allowed].join(", ")}`);
    if (key in raw) throw new FleetError("invalid", `Query parameter "${key}" given twice`);
    raw[key] = value;
  }
  const q = logQuerySchema.parse(raw);
  const now = Date.now();
  const since = q.since ? timeBound("since", q.since, now) : undefined;
  const until = q.until ? timeBound("until", q.until, now) : undefined;
  if (since && until && until < since) throw new FleetError("invalid", "until must not be before since");
  let after: string | null = null;
  if (opts.lastEventId) {
    after = fixedTs(opts.lastEventId);
    if (!after) throw new FleetError("invalid", "Last-Event-ID must be a timestamp sent by this stream");
  }
  return {
    selector: opts.worker ? { kind: "names", names: [opts.worker] } : parseWorkerSelector(q.workers),
    follow: q.follow,
    tail: q.tail,
    since,
    until,
    matcher: lineMatcher(q.q, q.regex),
    after,
  };
}

function timeBound(name: string, value: string, now: number): string {
  try {
    return resolveTimeBound(value, now);
  } catch {
    throw new FleetError("invalid", `${name} must be a duration (90s, 15m, 2h, 1d) or an RFC 3339 timestamp between years 0 and 9999`);
  }
}
