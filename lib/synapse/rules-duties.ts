import type { Node } from "yaml";
import type { InstanceEntry } from "./rules-replication";
import type { RuleContext } from "./rules-workers";
import { namesOf, pairIn, scalarOf, valueIn } from "./yaml-positions";

/**
 * Rules about who does what: the keys that hand a duty to a worker (and their legacy forms), and
 * who serves media. Synapse accepts any name in them and the duty then silently runs nowhere.
 */

export const DUTY_KEYS = [
  "federation_sender_instances",
  "pusher_instances",
  "update_user_directory_from_worker",
  "notify_appservices_from_worker",
  "run_background_tasks_on",
  "media_instance_running_background_jobs",
];

/** Legacy booleans and the keys that replaced them (synapse/config/workers.py). */
const LEGACY = [
  { legacy: "send_federation", modern: "federation_sender_instances", list: true, duty: "sends federation" },
  { legacy: "start_pushers", modern: "pusher_instances", list: true, duty: "sends pushes" },
  { legacy: "notify_appservices", modern: "notify_appservices_from_worker", list: false, duty: "notifies application services" },
  { legacy: "update_user_directory", modern: "update_user_directory_from_worker", list: false, duty: "updates the user directory" },
];

// Main's instance name is "master" in these keys; "main" is not recognised there.
const MAIN_INSTANCE = "master";

const isSet = (node: Node | null | undefined) => node !== undefined && node !== null && scalarOf(node) !== null;

export function checkDuties(ctx: RuleContext, instances: Map<string, InstanceEntry>): void {
  const { hs, out, byName } = ctx;
  for (const key of DUTY_KEYS) {
    for (const n of namesOf(valueIn(hs.root, key))) {
      if (n.value !== MAIN_INSTANCE && !byName.has(n.value))
        out.add("duty-unknown-worker", hs.path, hs.parsed, n.node, `${key} names ${n.value}, which has no worker file`, `Name an existing worker (or ${MAIN_INSTANCE} for main) in ${key}.`);
    }
  }

  for (const { legacy, modern, list, duty } of LEGACY) {
    const pair = pairIn(hs.root, legacy);
    if (!pair) continue;
    const onMain = Boolean(scalarOf(pair.value)); // Python's bool() of the value
    const modernNode = valueIn(hs.root, modern);
    const workersNamed = namesOf(modernNode).filter((n) => n.value !== MAIN_INSTANCE).length > 0;
    let message: string | null = null;
    if (list) {
      // With the list set the legacy flag is ignored; without it, false hands the duty to nobody.
      if (isSet(modernNode) && onMain && workersNamed) message = `${legacy}: true contradicts ${modern}, which names workers (Synapse ignores ${legacy})`;
      else if (!isSet(modernNode) && !onMain) message = `${legacy}: false without ${modern}: no process ${duty}`;
    } else if (isSet(modernNode) ? workersNamed || !onMain : !onMain) {
      message = isSet(modernNode) ? `${legacy} contradicts ${modern}: Synapse refuses to start` : `${legacy}: false without ${modern}: no process ${duty}`;
    }
    if (message) out.add("legacy-duty-option", hs.path, hs.parsed, pair.key as Node, message, `Remove ${legacy} and say who does it with ${modern}.`);
  }

  const restricted = namesOf(valueIn(hs.root, "outbound_federation_restricted_to"));
  if (restricted.length > 0) {
    if (!isSet(valueIn(hs.root, "worker_replication_secret")) && !isSet(valueIn(hs.root, "worker_replication_secret_path")))
      out.add("outbound-federation", hs.path, hs.parsed, pairIn(hs.root, "outbound_federation_restricted_to")!.key, "outbound_federation_restricted_to needs worker_replication_secret", "Set worker_replication_secret (or worker_replication_secret_path) in homeserver.yaml.");
    for (const n of restricted) {
      const name = n.value === MAIN_INSTANCE ? "main" : n.value;
      if (!instances.has(name))
        out.add("outbound-federation", hs.path, hs.parsed, n.node, `outbound_federation_restricted_to names ${n.value}, which is not in instance_map`, `Add instance_map.${n.value}, or remove it from outbound_federation_restricted_to.`);
    }
  }
}

export function checkMedia(ctx: RuleContext): void {
  const { hs, out, byName } = ctx;
  const mediaWorkers = new Set([...byName.entries()].filter(([, w]) => w.enableMediaRepo === true || w.mediaResources.length > 0).map(([n]) => n));
  const hsMediaNode = valueIn(hs.root, "enable_media_repo");
  const mainServes = scalarOf(hsMediaNode) !== false;
  if (!mainServes && mediaWorkers.size === 0)
    out.add("media-nobody", hs.path, hs.parsed, hsMediaNode, "enable_media_repo is false but no media worker serves media", "Set enable_media_repo: true, or add a media worker.");
  const jobsNode = valueIn(hs.root, "media_instance_running_background_jobs");
  const jobs = scalarOf(jobsNode);
  if (typeof jobs === "string" && byName.has(jobs) && !mediaWorkers.has(jobs))
    out.add("media-jobs-not-media", hs.path, hs.parsed, jobsNode, `media_instance_running_background_jobs names ${jobs}, which is not a media worker`, "Name a worker that serves media.");
  if (mainServes && mediaWorkers.size > 0)
    out.add("media-both", hs.path, hs.parsed, pairIn(hs.root, "enable_media_repo")?.key, "main and media workers both serve media: set enable_media_repo: false on main", "Set enable_media_repo: false in homeserver.yaml.");
}
