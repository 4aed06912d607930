import "server-only";
import { EventEmitter } from "node:events";
import type Docker from "dockerode";
import { docker } from "./client";
import { onJsonLines } from "./json-lines";
import { forgetInspect } from "./runtime";
import { nodeEngine } from "./swarm/mode";
import { SWARM_SERVICE_LABEL } from "./swarm/units";

export interface ContainerEvent {
  id: string;
  action: string; // create, start, die, stop, kill, destroy, restart, pause, unpause, health_status: healthy …
  name: string;
  labels: Record<string, string>;
  time: number; // ms
}

/** A Swarm service or node event from the manager (tasks have none: see `followTaskContainers`). */
export interface SwarmEvent {
  kind: "service" | "node";
  id: string;
  action: string; // create, update, remove
  time: number;
}

type RawEvent = { Type?: string; id?: string; Action?: string; status?: string; timeNano?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } };

type Listener = { container: (e: ContainerEvent) => void; swarm: (e: SwarmEvent) => void; engine: (reachable: boolean, error?: string) => void };

function eventTime(raw: RawEvent): number {
  return raw.timeNano ? Math.round(raw.timeNano / 1e6) : Date.now();
}

/**
 * Follows one engine's event stream until `signal` aborts, reconnecting a second after it ends or
 * fails; `onState` hears whether it is open. The engine's own filters keep the stream small.
 */
function follow(api: () => Docker, filters: Record<string, string[]>, onEvent: (raw: RawEvent) => void, onState: (open: boolean, error?: string) => void, signal?: AbortSignal): void {
  const connect = async (): Promise<void> => {
    if (signal?.aborted) return;
    const retry = () => {
      if (!signal?.aborted) setTimeout(() => void connect(), 1000).unref();
    };
    try {
      const stream = (await api().getEvents({ filters })) as NodeJS.ReadableStream & { destroy?: () => void };
      if (signal?.aborted) return stream.destroy?.();
      onState(true);
      onJsonLines(stream, (raw) => onEvent(raw as RawEvent));
      const stop = () => stream.destroy?.();
      signal?.addEventListener("abort", stop, { once: true });
      const again = (err?: Error) => {
        stream.removeAllListeners();
        signal?.removeEventListener("abort", stop);
        onState(false, err?.message ?? "event stream ended");
        retry();
      };
      stream.once("end", () => again());
      stream.once("error", (err: Error) => again(err));
    } catch (err) {
      onState(false, (err as Error).message);
      retry();
    }
  };
  void connect();
}

/**
 * One subscription to the engine's event stream, shared by every consumer in the process.
 * It reconnects by itself and says when the engine goes away or comes back.
 */
class EngineEvents {
  private emitter = new EventEmitter();
  private started = false;
  reachable: boolean | null = null;
  lastError: string | null = null;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  on<K extends keyof Listener>(kind: K, fn: Listener[K]): () => void {
    this.emitter.on(kind, fn);
    this.start();
    return () => this.emitter.off(kind, fn);
  }

  private setReachable(reachable: boolean, error?: string) {
    this.lastError = error ?? null;
    if (this.reachable === reachable) return;
    this.reachable = reachable;
    this.emitter.emit("engine", reachable, error);
  }

  private start() {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  private connect(): void {
    // Service and node events exist only on a swarm manager; elsewhere the filter costs nothing.
    follow(docker, { type: ["container", "service", "node"] }, (raw) => this.dispatch(raw), (open, error) => this.setReachable(open, error));
  }

  private dispatch(raw: RawEvent) {
    const id = raw.Actor?.ID ?? raw.id;
    const action = raw.Action ?? raw.status;
    if (!id || !action) return;
    if (raw.Type === "service" || raw.Type === "node") {
      this.emitter.emit("swarm", { kind: raw.Type, id, action, time: eventTime(raw) });
      return;
    }
    const attrs = raw.Actor?.Attributes ?? {};
    const { name = "", ...labels } = attrs;
    forgetInspect(id);
    this.emitter.emit("container", { id, action, name, labels, time: eventTime(raw) });
  }
}

/** The hostnames FLEET_SWARM_NODE_ENGINES names (node1=unix:///…,node2=tcp://…). */
export function nodeEngineHosts(spec = process.env.FLEET_SWARM_NODE_ENGINES ?? ""): string[] {
  return spec
    .split(",")
    .map((e) => e.slice(0, Math.max(0, e.indexOf("="))).trim())
    .filter(Boolean);
}

/**
 * Container events of Swarm tasks, from every node engine FLEET_SWARM_NODE_ENGINES lists: the
 * manager's stream has service and node events but not those of tasks on other nodes. Each event
 * is a task container's (label com.docker.swarm.service.id). Until `signal` aborts.
 */
export function followTaskContainers(onEvent: (e: ContainerEvent & { node: string }) => void, signal: AbortSignal): number {
  const hosts = nodeEngineHosts().filter((h) => nodeEngine(h));
  for (const host of hosts) {
    follow(
      () => nodeEngine(host)!,
      { type: ["container"], label: [SWARM_SERVICE_LABEL] },
      (raw) => {
        const id = raw.Actor?.ID ?? raw.id;
        const action = raw.Action ?? raw.status;
        if (!id || !action || action.startsWith("exec_")) return;
        const { name = "", ...labels } = raw.Actor?.Attributes ?? {};
        onEvent({ id, action, name, labels, time: eventTime(raw), node: host });
      },
      () => {}, // a node engine away is the node's state, which the manager reports
      signal,
    );
  }
  return hosts.length;
}

const g = globalThis as unknown as { __fleetEngineEvents?: EngineEvents };
export function engineEvents(): EngineEvents {
  g.__fleetEngineEvents ??= new EngineEvents();
  return g.__fleetEngineEvents;
}
