import "server-only";
import { FleetError } from "@/lib/errors";
import { logSafely } from "@/lib/log";
import { discoverDrafts } from "@/lib/topology/discover";
import { parsePrometheusUrl, prometheusSourceFrom, type PrometheusEndpoint, type PrometheusSourceInfo } from "./url";
import { parseDuration } from "./duration";

/**
 * The only code that talks to Prometheus: instant and range queries by POST form, the scrape
 * targets, and where Prometheus is. Every failure is a FleetError("unavailable") whose
 * details.reason says what the operator can do: not_configured, unreachable or bad_query.
 */

export const PROMETHEUS_TIMEOUT_MS = 5_000;
/** A 7-day panel of 50 workers at 2,000 points is a few MiB; anything near this is not an answer we asked for. */
export const MAX_RESPONSE_BYTES = 32 * 1024 * 1024;
const SOURCE_TTL_MS = 10_000;

export type PrometheusErrorReason = "not_configured" | "unreachable" | "bad_query";

function unavailable(reason: PrometheusErrorReason, message: string): FleetError {
  return new FleetError("unavailable", message, { reason });
}

let sourceCache: { at: number; value: PrometheusSourceInfo } | null = null;

/** Where metrics are read from: FLEET_PROMETHEUS_URL, else the discovered Prometheus container (cached briefly). */
export async function prometheusSource(): Promise<PrometheusSourceInfo> {
  const env = process.env.FLEET_PROMETHEUS_URL;
  if (env && env.trim()) return prometheusSourceFrom(env, []);
  if (sourceCache && Date.now() - sourceCache.at < SOURCE_TTL_MS) return sourceCache.value;
  let value: PrometheusSourceInfo;
  try {
    const d = await discoverDrafts();
    value = prometheusSourceFrom(undefined, d.services);
  } catch (err) {
    // No Prometheus could be found, which is what "none" says; why goes to the server log.
    logSafely("[metrics] discovery failed while looking for Prometheus:", err);
    value = { url: null, source: "none" };
  }
  sourceCache = { at: Date.now(), value };
  return value;
}

async function endpoint(): Promise<PrometheusEndpoint> {
  const env = process.env.FLEET_PROMETHEUS_URL;
  if (env && env.trim()) return parsePrometheusUrl(env);
  const { url } = await prometheusSource();
  if (!url) {
    throw unavailable("not_configured", "No Prometheus is configured or discovered: set FLEET_PROMETHEUS_URL or run a Prometheus container in the deployment");
  }
  return { base: url, authorization: null };
}

/** Reads at most MAX_RESPONSE_BYTES of a body, refusing larger ones as they stream in. */
async function boundedText(res: Response, where: string): Promise<string> {
  const declared = Number(res.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > MAX_RESPONSE_BYTES) {
    await res.body?.cancel();
    throw unavailable("unreachable", `Prometheus at ${where} sent an answer of ${declared} bytes, more than the ${MAX_RESPONSE_BYTES} accepted`);
  }
  if (!res.body) return "";
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > MAX_RESPONSE_BYTES) {
      await reader.cancel();
      throw unavailable("unreachable", `Prometheus at ${where} sent more than the ${MAX_RESPONSE_BYTES} bytes accepted`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString("utf8");
}

interface ApiEnvelope {
  status?: string;
  data?: unknown;
  errorType?: string;
  error?: string;
}

/** One API call; returns `data` of a `success` answer. */
async function call(path: string, form: Record<string, string> | null, signal?: AbortSignal): Promise<unknown> {
  const ep = await endpoint();
  const url = `${ep.base}${path}`;
  // Uncompressed: Prometheus sits beside the dashboard, and gzip made a 7-day panel's answer
  // (650 KB) cost Prometheus ~20 ms more than sending it (npm run bench metrics).
  const headers: Record<string, string> = { accept: "application/json", "accept-encoding": "identity" };
  if (ep.authorization) headers.authorization = ep.authorization;
  if (form) headers["content-type"] = "application/x-www-form-urlencoded";
  const timeout = AbortSignal.timeout(PROMETHEUS_TIMEOUT_MS);
  let res: Response;
  let text: string;
  try {
    res = await fetch(url, {
      method: form ? "POST" : "GET",
      headers,
      body: form ? new URLSearchParams(form).toString() : undefined,
      signal: signal ? AbortSignal.any([signal, timeout]) : timeout,
      redirect: "error",
    });
    text = await boundedText(res, ep.base);
  } catch (err) {
    if (err instanceof FleetError) throw err;
    const why = timeout.aborted
      ? `did not answer within ${PROMETHEUS_TIMEOUT_MS / 1000} s`
      : signal?.aborted
        ? "query was cancelled"
        : `cannot be reached: ${causeText(err)}`;
    throw unavailable("unreachable", `Prometheus at ${ep.base} ${why}`);
  }
  let body: ApiEnvelope | null = null;
  try {
    body = JSON.parse(text) as ApiEnvelope;
  } catch {
    body = null;
  }
  // 400 bad_data (a parse error, a bad parameter) and 422 execution are the query's fault; the rest is Prometheus's.
  if ((res.status === 400 || res.status === 422) && body?.errorType) {
    throw unavailable("bad_query", `Prometheus refused the query (${body.errorType}): ${String(body.error ?? "").slice(0, 500)}`);
  }
  if (!res.ok) {
    const detail = body?.error ? `: ${String(body.error).slice(0, 300)}` : "";
    throw unavailable("unreachable", `Prometheus at ${ep.base} answered HTTP ${res.status}${detail}`);
  }
  if (!body || body.status !== "success") {
    throw unavailable("unreachable", `Prometheus at ${ep.base} sent an answer that is not a Prometheus API response (${path})`);
  }
  return body.data;
}

function causeText(err: unknown): string {
  const e = err as Error & { cause?: { code?: string; message?: string } };
  return e.cause?.code ?? e.cause?.message ?? e.message ?? String(err);
}

/** Prometheus sends sample values as strings ("1.5", "NaN", "+Inf"); non-finite ones are dropped. */
function sampleValue(raw: unknown): number | null {
  const v = typeof raw === "string" ? Number(raw) : NaN;
  return Number.isFinite(v) ? v : null;
}

type Labels = Record<string, string>;

/** An instant query. A vector gives one entry per series, a scalar one entry with no labels; NaN/±Inf samples are left out. */
export async function instantQuery(promql: string, opts: { time?: number; signal?: AbortSignal } = {}): Promise<Array<{ labels: Labels; value: number }>> {
  const form: Record<string, string> = { query: promql };
  if (opts.time !== undefined) form.time = String(opts.time);
  const data = (await call("/api/v1/query", form, opts.signal)) as { resultType?: string; result?: unknown };
  if (data?.resultType === "scalar") {
    const v = sampleValue((data.result as unknown[] | undefined)?.[1]);
    return v === null ? [] : [{ labels: {}, value: v }];
  }
  if (data?.resultType !== "vector" || !Array.isArray(data.result)) {
    throw unavailable("bad_query", `The query gave a ${data?.resultType ?? "unknown"} result, not a vector or scalar`);
  }
  const out: Array<{ labels: Labels; value: number }> = [];
  for (const s of data.result as Array<{ metric?: Labels; value?: unknown[] }>) {
    const v = sampleValue(s.value?.[1]);
    if (v !== null) out.push({ labels: s.metric ?? {}, value: v });
  }
  return out;
}

/** A range query (unix seconds). One entry per series, points [t, v] with NaN/±Inf dropped. */
export async function rangeQuery(
  promql: string,
  range: { start: number; end: number; step: number },
  opts: { signal?: AbortSignal } = {},
): Promise<Array<{ labels: Labels; points: Array<[number, number]> }>> {
  const form = { query: promql, start: String(range.start), end: String(range.end), step: String(range.step) };
  const data = (await call("/api/v1/query_range", form, opts.signal)) as { resultType?: string; result?: unknown };
  if (data?.resultType !== "matrix" || !Array.isArray(data.result)) {
    throw unavailable("bad_query", `The range query gave a ${data?.resultType ?? "unknown"} result, not a matrix`);
  }
  return (data.result as Array<{ metric?: Labels; values?: unknown[][] }>).map((s) => {
    const points: Array<[number, number]> = [];
    for (const [t, raw] of s.values ?? []) {
      const v = sampleValue(raw);
      if (v !== null && typeof t === "number") points.push([t, v]);
    }
    return { labels: s.metric ?? {}, points };
  });
}

export interface ScrapeTarget {
  labels: Labels;
  health: "up" | "down" | "unknown";
  lastError: string;
  scrapeIntervalSeconds: number;
  scrapeUrl: string;
}

/** Prometheus's active scrape targets (/api/v1/targets), with the scrape interval in seconds. */
export async function scrapeTargets(opts: { signal?: AbortSignal } = {}): Promise<ScrapeTarget[]> {
  const data = (await call("/api/v1/targets?state=active", null, opts.signal)) as { activeTargets?: unknown };
  if (!Array.isArray(data?.activeTargets)) throw unavailable("unreachable", "Prometheus's targets answer has no activeTargets");
  return (data.activeTargets as Array<Record<string, unknown>>).map((t) => ({
    labels: (t.labels as Labels | undefined) ?? {},
    health: t.health === "up" || t.health === "down" ? t.health : "unknown",
    lastError: typeof t.lastError === "string" ? t.lastError : "",
    scrapeIntervalSeconds: parseDuration(typeof t.scrapeInterval === "string" ? t.scrapeInterval : "") ?? 0,
    scrapeUrl: typeof t.scrapeUrl === "string" ? t.scrapeUrl : "",
  }));
}
