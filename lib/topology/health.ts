import "server-only";
import net from "node:net";
import type { Health } from "@/lib/api/schemas/topology";

export interface ProbeTarget {
  address: string | null;
  /** An http listener port: GET /health. */
  httpPort: number | null;
  /** For processes without http listeners (federation senders): the metrics port accepting TCP. */
  tcpPort: number | null;
}

const TIMEOUT_MS = 1500;

async function httpHealth(address: string, port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://${address}:${port}/health`, { signal: AbortSignal.timeout(TIMEOUT_MS), cache: "no-store" });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
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

/** Health of a process from its container state and one probe. */
export async function probeHealth(state: string, startedAt: string | null, t: ProbeTarget, now = Date.now()): Promise<Health> {
  if (state !== "running") return state === "restarting" ? "starting" : "stopped";
  const alive = await probeAlive(t);
  if (alive === null) return "unknown";
  if (alive) return "healthy";
  const startedMs = startedAt ? Date.parse(startedAt) : NaN;
  return Number.isFinite(startedMs) && now - startedMs < 90_000 ? "starting" : "unhealthy";
}
