import { FleetError } from "@/lib/errors";

/**
 * Where Prometheus answers: FLEET_PROMETHEUS_URL, else the deployment's Prometheus container.
 * Pure: the caller hands in the environment value and the discovered services.
 */

export interface PrometheusEndpoint {
  /** Base URL without credentials and without a trailing slash; API paths are appended to it. */
  base: string;
  /** `Basic …` when the configured URL carried user:password (fetch refuses URLs with credentials). */
  authorization: string | null;
}

/** The parts of a discovered service this needs (a RuntimeUnit has them). */
export interface PrometheusUnitFacts {
  state: string;
  argv: string[];
  networks: Array<{ name: string; ip: string }>;
}

export const DEFAULT_PROMETHEUS_PORT = 9090;
const MAX_URL_LENGTH = 2048;

/** Parses FLEET_PROMETHEUS_URL; anything but an absolute http(s) URL is refused with what was wrong. */
export function parsePrometheusUrl(raw: string): PrometheusEndpoint {
  const text = raw.trim();
  const refuse = (why: string) =>
    new FleetError("unavailable", `FLEET_PROMETHEUS_URL ${why}; set it to Prometheus's address, e.g. http://prometheus:9090`, { reason: "not_configured" });
  if (text.length > MAX_URL_LENGTH) throw refuse(`is longer than ${MAX_URL_LENGTH} characters`);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw refuse("is not an absolute URL");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") throw refuse(`uses ${url.protocol.replace(/:$/, "")}, not http or https`);
  if (url.search || url.hash) throw refuse("must not carry a query or a fragment");
  const authorization =
    url.username || url.password
      ? `Basic ${Buffer.from(`${decodeURIComponent(url.username)}:${decodeURIComponent(url.password)}`).toString("base64")}`
      : null;
  url.username = "";
  url.password = "";
  return { base: url.toString().replace(/\/+$/, ""), authorization };
}

/** The value of `--flag=value` or `--flag value` in an argv, last one wins (as Go's flag parsing does). */
function flagValue(argv: string[], flag: string): string | null {
  let value: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i].replace(/^--?/, "--");
    if (a === flag && i + 1 < argv.length) value = argv[i + 1];
    else if (a.startsWith(`${flag}=`)) value = a.slice(flag.length + 1);
  }
  return value;
}

/** The port of `--web.listen-address` (host:port, :port, [::]:port), else Prometheus's default. */
export function listenPort(argv: string[]): number {
  const addr = flagValue(argv, "--web.listen-address");
  const m = addr ? /:(\d{1,5})$/.exec(addr) : null;
  const port = m ? Number(m[1]) : NaN;
  return Number.isInteger(port) && port > 0 && port < 65536 ? port : DEFAULT_PROMETHEUS_PORT;
}

/** The API's path prefix: `--web.route-prefix`, else the path of `--web.external-url` (Prometheus's own rule). */
function routePrefix(argv: string[]): string {
  let prefix = flagValue(argv, "--web.route-prefix");
  if (prefix === null) {
    const external = flagValue(argv, "--web.external-url");
    if (external) {
      try {
        prefix = new URL(external).pathname;
      } catch {
        prefix = null;
      }
    }
  }
  const clean = (prefix ?? "").replace(/\/+$/, "");
  return clean && !clean.startsWith("/") ? `/${clean}` : clean;
}

/**
 * A running Prometheus container's URL: its address on its (first addressed) network and its listen
 * port. The dashboard reaches containers by network IP, as the /health probes do. Null when it is not
 * running or has no address.
 */
export function prometheusUrlFromUnit(unit: PrometheusUnitFacts): string | null {
  if (unit.state !== "running") return null;
  const ip = unit.networks.find((n) => n.ip)?.ip;
  if (!ip) return null;
  const host = ip.includes(":") ? `[${ip}]` : ip;
  return `http://${host}:${listenPort(unit.argv)}${routePrefix(unit.argv)}`;
}

export type PrometheusSourceInfo = { url: string | null; source: "env" | "discovered" | "none" };

/**
 * What topology and the metrics index show: the configured URL (credentials left out), else the
 * discovered container's, else none. An invalid FLEET_PROMETHEUS_URL is still reported as the source
 * (the metrics API says what is wrong with it), shown without anything after the scheme's host.
 */
export function prometheusSourceFrom(
  envValue: string | undefined,
  services: Array<{ kind: string; unit?: PrometheusUnitFacts }>,
): PrometheusSourceInfo {
  if (envValue && envValue.trim()) {
    try {
      return { url: parsePrometheusUrl(envValue).base, source: "env" };
    } catch {
      return { url: "(invalid FLEET_PROMETHEUS_URL)", source: "env" };
    }
  }
  for (const s of services) {
    if (s.kind !== "prometheus" || !s.unit) continue;
    const url = prometheusUrlFromUnit(s.unit);
    if (url) return { url, source: "discovered" };
  }
  return { url: null, source: "none" };
}
