import type { HomeserverConfig } from "./config";

/**
 * Which running processes must restart after a homeserver.yaml change (the Workers Guide's
 * table), derived from what changed rather than from what was asked.
 */

export interface RestartSet {
  /** Process → reasons (restarted one by one). */
  restart: Map<string, string[]>;
  /** Processes that stop together, then start together (federation senders, pushers), with the reason. */
  together: Array<{ key: string; members: string[]; reason: string }>;
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function add(set: RestartSet, process: string, reason: string): void {
  const reasons = set.restart.get(process) ?? [];
  if (!reasons.includes(reason)) reasons.push(reason);
  set.restart.set(process, reasons);
}

export interface RestartInput {
  before: HomeserverConfig;
  after: HomeserverConfig;
  /** Whether homeserver.yaml's text changed at all (main reads every key). */
  hsChanged: boolean;
  /** Existing workers that stay (not added, not removed). */
  staying: string[];
}

export function restartsFor({ before, after, hsChanged, staying }: RestartInput): RestartSet {
  const set: RestartSet = { restart: new Map(), together: [] };
  if (!hsChanged) return set;
  const everyone = ["main", ...staying];
  const stays = (n: string | null): n is string => n !== null && staying.includes(n);

  if (!same(before.streamWriters, after.streamWriters)) for (const p of everyone) add(set, p, "stream_writers changed: every process re-reads instance_map and stream_writers");
  else if (!same(before.instanceMap, after.instanceMap)) for (const p of everyone) add(set, p, "instance_map changed: every process re-reads it");

  if (!same(before.listeners, after.listeners)) add(set, "main", "main's listeners changed (workers reach main through its http replication listener)");
  if (before.redisEnabled !== after.redisEnabled) add(set, "main", "Redis enabled: main replicates to workers over Redis");
  if (before.enableMediaRepo !== after.enableMediaRepo)
    add(set, "main", after.enableMediaRepo ? "enable_media_repo: true — main serves media again" : "enable_media_repo: false — media moves to the media worker");

  for (const [key, field] of [
    ["federation_sender_instances", "federationSenderInstances"],
    ["pusher_instances", "pusherInstances"],
  ] as const) {
    if (same(before[field], after[field])) continue;
    add(set, "main", `${key} changed: main reads who sends`);
    set.together.push({ key, members: after[field].filter(stays), reason: `${key} changed: all of them stop, then start together` });
  }
  for (const [key, field] of [
    ["update_user_directory_from_worker", "userDirectoryWorker"],
    ["notify_appservices_from_worker", "appserviceWorker"],
    ["run_background_tasks_on", "backgroundTasksOn"],
    ["media_instance_running_background_jobs", "mediaBackgroundJobsOn"],
  ] as const) {
    if (before[field] === after[field]) continue;
    add(set, "main", `${key} changed`);
    for (const n of [before[field], after[field]]) if (stays(n)) add(set, n, `${key} changed`);
  }
  // Any other key main reads (it reads them all at start).
  if (hsChanged && !set.restart.has("main")) add(set, "main", "homeserver.yaml changed");
  return set;
}
