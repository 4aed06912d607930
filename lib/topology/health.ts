import "server-only";
import http from "node:http";
import net from "node:net";
import type { Health } from "@/lib/contract/topology";

export interface ProbeTarget {
  address: string | null;
  /** An http listener port: GET /health. */
  httpPort: number | null;
  /** For processes without http listeners (federation senders): the metrics port accepting TCP. */
  tcpPort: number | null;
}

const TIMEOUT_MS = 1500;

// Plain node:http, not fetch: Next instruments fetch inside route handlers, which costs
// measurable time per call when a topology request probes a hundred workers at once.
const agent = new http.Agent({ keepAlive: true, maxSockets: 4, timeout: TIMEOUT_MS });

function httpHealth(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get({ host: address, port, path: "/health", agent, timeout: TIMEOUT_MS }, (res) => {
      res.resume();
      res.once("end", () => resolve(res.statusCode === 200));
      res.once("error", () => resolve(false));
    });
    req.once("timeout", () => req.destroy(new Error("timeout")));
    req.once("error", () => resolve(false));
  });
}

function tcpAccepts(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: address, port, timeout: TIMEOUT_MS });
    const done = (ok: boolean) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once("connect", () => done(true));
    sock.once("timeout", () => done(false));
    sock.once("error", () => done(false));
  });
}

/** One liveness probe of a running process. */
export async function probeAlive(t: ProbeTarget): Promise<boolean | null> {
  if (!t.address) return null;
  if (t.httpPort) return httpHealth(t.address, t.httpPort);
  if (t.tcpPort) return tcpAccepts(t.address, t.tcpPort);
  return null;
}

/**
 * Health of a process from its container state and one probe: `early` when a probe of this very
 * target was started already (during the listing), else one now.
 */
export async function probeHealth(state: string, startedAt: string | null, t: ProbeTarget, now = Date.now(), early?: Promise<boolean | null>): Promise<Health> {
  if (state !== "running") return state === "restarting" ? "starting" : "stopped";
  const alive = await (early ?? probeAlive(t));
  if (alive === null) return "unknown";
  if (alive) return "healthy";
  const startedMs = startedAt ? Date.parse(startedAt) : NaN;
  return Number.isFinite(startedMs) && now - startedMs < 90_000 ? "starting" : "unhealthy";
}
