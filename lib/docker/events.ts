import "server-only";
import { EventEmitter } from "node:events";
import { docker } from "./client";
import { onJsonLines } from "./json-lines";
import { forgetInspect } from "./runtime";

export interface ContainerEvent {
  id: string;
  action: string; // create, start, die, stop, kill, destroy, restart, pause, unpause, health_status: healthy …
  name: string;
  labels: Record<string, string>;
  time: number; // ms
}

type RawEvent = { id?: string; Action?: string; status?: string; timeNano?: number; Actor?: { ID?: string; Attributes?: Record<string, string> } };

type Listener = { container: (e: ContainerEvent) => void; engine: (reachable: boolean, error?: string) => void };

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
    void this.connect();
  }

  private async connect(): Promise<void> {
    try {
      const stream = (await docker().getEvents({ filters: { type: ["container"] } })) as NodeJS.ReadableStream;
      this.setReachable(true);
      onJsonLines(stream, (raw) => this.dispatch(raw as RawEvent));
      const again = (err?: Error) => {
        stream.removeAllListeners();
        this.setReachable(false, err?.message ?? "event stream ended");
        setTimeout(() => void this.connect(), 1000).unref();
      };
      stream.once("end", () => again());
      stream.once("error", (err: Error) => again(err));
    } catch (err) {
      this.setReachable(false, (err as Error).message);
      setTimeout(() => void this.connect(), 1000).unref();
    }
  }

  private dispatch(raw: RawEvent) {
    const id = raw.Actor?.ID ?? raw.id;
    const action = raw.Action ?? raw.status;
    if (!id || !action) return;
    const attrs = raw.Actor?.Attributes ?? {};
    const { name = "", ...labels } = attrs;
    forgetInspect(id);
    this.emitter.emit("container", { id, action, name, labels, time: raw.timeNano ? Math.round(raw.timeNano / 1e6) : Date.now() });
  }
}

const g = globalThis as unknown as { __fleetEngineEvents?: EngineEvents };
export function engineEvents(): EngineEvents {
  g.__fleetEngineEvents ??= new EngineEvents();
  return g.__fleetEngineEvents;
}
