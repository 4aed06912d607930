import "server-only";
import { discoverDrafts } from "@/lib/topology/discover";
import { probeAlive } from "@/lib/topology/health";

export interface ProcessHealth {
  name: string;
  /** Running and answering its liveness probe (/health, or TCP on the metrics port). */
  alive: boolean;
  /** The container's state, or "missing". */
  state: string;
}

/** Answers "are these processes up?" for the executor's wait_healthy steps. */
export interface HealthChecker {
  check(targets: Array<{ name: string; containerId: string | null }>): Promise<ProcessHealth[]>;
}

/** Health from discovery (container state, probe address from the worker file) and one probe each. */
export const liveHealthChecker: HealthChecker = {
  async check(targets) {
    const { drafts } = await discoverDrafts();
    return Promise.all(
      targets.map(async ({ name, containerId }) => {
        const draft =
          (containerId ? drafts.find((d) => d.container?.id === containerId) : undefined) ?? drafts.find((d) => d.name === name && d.container);
        if (!draft?.unit) return { name, alive: false, state: "missing" };
        if (draft.state !== "running") return { name, alive: false, state: draft.state };
        // No listener to probe (a worker with neither http nor metrics): running is all we can know.
        const alive = (await probeAlive(draft.probe)) ?? true;
        return { name, alive, state: draft.state };
      }),
    );
  },
};
