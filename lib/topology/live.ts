import "server-only";
import { EventEmitter } from "node:events";
import type { LiveEvent } from "@/lib/contract/topology";
import { engineEvents, type ContainerEvent } from "@/lib/docker/events";
import type { RuntimeUnit } from "@/lib/docker/runtime";
import { taskContainerId, watchStats } from "@/lib/docker/stats";
import { nodeEngine, swarmMode } from "@/lib/docker/swarm/mode";
import { SWARM_SERVICE_LABEL } from "@/lib/docker/swarm/units";
import { discoverDrafts } from "./discover";
import { probeAlive } from "./health";
import { forgetStats, recordStats } from "./stats-cache";
import { healthFromSwarm } from "./swarm";
import { SwarmTracker } from "./swarm-live";
import { maskValue } from "@/lib/synapse/secrets";

/** What a container event means for the container's state, as `docker ps` would show it next. */
export function stateAfter(action: string): string | null {
  if (action === "start" || action === "restart" || action === "unpause") return "running";
  if (action === "die" || action === "stop" || action === "kill" || action === "oom") return "exited";
  if (action === "pause") return "paused";
  if (action === "create") return "created";
  if (action === "destroy") return "removed";
  return null;
}

const HEALTH_WAIT_MS = 120_000;
const STATS_EVERY_MS = 2_000;

/**
 * Turns the engine's event stream into the dashboard's live events, for every SSE client at
 * once: container state changes as they happen, health once a started process answers
 * /health, and resource samples from the engine's stats streams while anyone is watching.
 */
class LiveHub {
  private emitter = new EventEmitter();
  private subscribers = 0;
  private unsubscribeEngine: (() => void) | null = null;
  private statsWatchers = new Map<string, AbortController>();
  private healthWatchers = new Map<string, AbortController>();
  /** On a swarm: follows services, tasks and nodes (lib/topology/swarm-live.ts). */
  private swarm: SwarmTracker | null = null;

  constructor() {
    this.emitter.setMaxListeners(0);
  }

  subscribe(fn: (e: LiveEvent) => void): () => void {
    this.emitter.on("event", fn);
    if (this.subscribers++ === 0) this.start();
    return () => {
      this.emitter.off("event", fn);
      if (--this.subscribers === 0) this.stop();
    };
  }

  private emit(e: LiveEvent) {
    this.emitter.emit("event", e);
  }

  private start() {
    const events = engineEvents();
    const offContainer = events.on("container", (e) => this.onContainer(e));
    const offEngine = events.on("engine", (reachable, error) => {
      this.emit({ type: "engine", reachable, error: error ? maskValue(error) : null });
      if (reachable) {
        this.swarm?.poke();
        void this.syncStatsWatchers();
        void this.watchRunningHealth();
      }
    });
    this.unsubscribeEngine = () => {
      offContainer();
      offEngine();
    };
    void this.syncStatsWatchers();
    void this.startSwarm();
  }

  private async startSwarm() {
    const mode = await swarmMode().catch(() => null);
    if (!mode?.swarm || this.subscribers === 0 || this.swarm) return;
    this.swarm = new SwarmTracker({ emit: (e) => this.emit(e), state: (id, action, state, time) => this.onState(id, action, state, time) });
    this.swarm.start();
  }

  private stop() {
    this.unsubscribeEngine?.();
    this.unsubscribeEngine = null;
    this.swarm?.stop();
    this.swarm = null;
    for (const c of [...this.statsWatchers.values(), ...this.healthWatchers.values()]) c.abort();
    this.statsWatchers.clear();
    this.healthWatchers.clear();
  }

  private onContainer(e: ContainerEvent) {
    if (e.action.startsWith("exec_")) return;
    if (e.action.startsWith("health_status")) {
      return; // our own /health probe is the source of truth for Synapse processes
    }
    // A Swarm task's container: the browser knows its service, which the tracker reads again.
    if (SWARM_SERVICE_LABEL in e.labels) return this.swarm?.poke();
    this.onState(e.id, e.action, stateAfter(e.action), e.time);
  }

  /** A unit's new state (a container's, or a service's from the swarm tracker), with what follows from it. */
  private onState(id: string, action: string, state: string | null, time: number) {
    this.emit({ type: "container", containerId: id, action, state, time });
    if (state === "running") {
      this.emit({ type: "health", containerId: id, health: "starting" });
      // A service's new task is another container (maybe on another node): follow that one's stats.
      this.statsWatchers.get(id)?.abort();
      this.statsWatchers.delete(id);
      void this.watchHealth(id);
      void this.syncStatsWatchers();
    } else if (state === "exited" || state === "removed") {
      this.healthWatchers.get(id)?.abort();
      this.statsWatchers.get(id)?.abort();
      this.emit({ type: "health", containerId: id, health: "stopped" });
    }
  }

  /** After a start: probe until the process answers, then say so once. Bounded in time. */
  private async watchHealth(containerId: string) {
    this.healthWatchers.get(containerId)?.abort();
    const ctl = new AbortController();
    this.healthWatchers.set(containerId, ctl);
    const deadline = Date.now() + HEALTH_WAIT_MS;
    try {
      // The address and ports do not change while the container runs: look them up once.
      const { drafts } = await discoverDrafts();
      const p = drafts.find((d) => d.container?.id === containerId);
      if (!p) return; // not a Synapse process: its state event was enough
      while (!ctl.signal.aborted && Date.now() < deadline) {
        const alive = await probeAlive(p.probe);
        if (alive) {
          this.emit({ type: "health", containerId, health: "healthy" });
          return;
        }
        if (alive === null && p.unit?.swarm) {
          // Nothing here reaches this task: Swarm's healthcheck verdict, once it has one.
          const now = (await discoverDrafts()).drafts.find((d) => d.container?.id === containerId)?.unit;
          const health = now ? healthFromSwarm(now) : "stopped";
          if (health !== "starting") return this.emit({ type: "health", containerId, health });
          await new Promise((r) => setTimeout(r, 2_000));
          continue;
        }
        await new Promise((r) => setTimeout(r, 300));
      }
      if (!ctl.signal.aborted) this.emit({ type: "health", containerId, health: "unhealthy" });
    } catch {
      /* the engine went away: the engine event says so */
    } finally {
      if (this.healthWatchers.get(containerId) === ctl) this.healthWatchers.delete(containerId);
    }
  }

  /**
   * After the engine comes back: a restarted engine starts its containers (restart policies) before
   * anyone can follow its events again, so those starts are never seen. Probe every running
   * Synapse process now, so each one's card leaves "starting" once it answers.
   */
  private async watchRunningHealth() {
    try {
      const { drafts } = await discoverDrafts();
      for (const p of drafts) if (p.unit?.state === "running" && !this.healthWatchers.has(p.unit.id)) void this.watchHealth(p.unit.id);
    } catch {
      /* away again: the next engine event brings us back here */
    }
  }

  /**
   * One stats stream per running Synapse or infrastructure unit while anyone watches, keyed by the
   * unit's id. A Swarm task's stats come from its node's engine; a node without one has none.
   */
  private async syncStatsWatchers() {
    let units: RuntimeUnit[];
    try {
      const d = await discoverDrafts();
      units = [...d.drafts.map((p) => p.unit), ...d.services.map((s) => s.unit)].filter((u): u is RuntimeUnit => u?.state === "running");
    } catch {
      return;
    }
    if (this.subscribers === 0) return;
    for (const unit of units) {
      const id = unit.id;
      if (this.statsWatchers.has(id)) continue;
      const ctl = new AbortController();
      this.statsWatchers.set(id, ctl);
      let last = 0;
      this.statsSource(unit)
        .then((source) => {
          if (!source || ctl.signal.aborted) return;
          return watchStats(
            source.containerId,
            (sample) => {
              recordStats(id, sample);
              if (sample.time - last < STATS_EVERY_MS) return;
              last = sample.time;
              this.emit({ type: "stats", containerId: id, sample });
            },
            ctl.signal,
            source.api,
          );
        })
        .catch(() => undefined)
        .finally(() => {
          if (this.statsWatchers.get(id) === ctl) this.statsWatchers.delete(id);
          forgetStats(id);
        });
    }
  }

  /** Where a unit's samples come from: its container on the engine, or its task's container on its node's engine. */
  private async statsSource(unit: RuntimeUnit): Promise<{ containerId: string; api?: NonNullable<ReturnType<typeof nodeEngine>> } | null> {
    if (!unit.swarm) return { containerId: unit.id };
    const hostname = unit.swarm.node?.hostname;
    const api = hostname ? nodeEngine(hostname) : null;
    if (!api || !unit.swarm.task) return null;
    const containerId = await taskContainerId(api, unit.swarm.task.id);
    return containerId ? { containerId, api } : null;
  }

  /** For tests and diagnostics: how many engine streams are open. */
  openStreams(): { stats: number; health: number; subscribers: number } {
    return { stats: this.statsWatchers.size, health: this.healthWatchers.size, subscribers: this.subscribers };
  }
}

const g = globalThis as unknown as { __fleetLiveHub?: LiveHub };
export function liveHub(): LiveHub {
  g.__fleetLiveHub ??= new LiveHub();
  return g.__fleetLiveHub;
}
