import type { DeploymentSnapshot } from "./plan-schema";

/** What a plan is computed from; the executor gathers it (no I/O happens in planning). */
export interface PlanContext {
  /** The current deployment: config files by relative path, processes with container specs, used host ports. */
  snapshot: DeploymentSnapshot;
  settings?: {
    workerCommand?: string[] | null;
    publishHttpPorts?: boolean | null;
    healthTimeoutMs?: number;
    /** The config dir's path on the host: on a swarm, the only host binds a worker may have are its files. */
    configDir?: string | null;
    /** On a swarm: the media store is on storage every node reaches, so media workers may run anywhere. */
    sharedMediaStore?: boolean;
  };
  /** For restore / restore_workers: the deployment to go back to, resolved by the executor from history. */
  restoreTarget?: DeploymentSnapshot;
  /** For edit_files: the edited contents by path (secrets may stand masked). Kept out of the intent, which history shows as is. */
  edits?: Record<string, string>;
}

export const DEFAULT_HEALTH_TIMEOUT_MS = 120_000;

export function healthTimeout(ctx: PlanContext): number {
  return ctx.settings?.healthTimeoutMs ?? DEFAULT_HEALTH_TIMEOUT_MS;
}
