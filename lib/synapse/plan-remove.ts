import { findWorker } from "./deployment";
import { deleteIfEmpty, listValues, mapKeys, removeFromList } from "./hs-edit";
import { draftHs, draftWorkers, type Draft } from "./plan-draft";
import { PlanError } from "./plan-schema";
import type { WorkerEntry } from "./deployment";

/** Removes one worker in a draft: every homeserver.yaml key that names it, its file and its metrics target. */

const scalarKeys = ["update_user_directory_from_worker", "notify_appservices_from_worker", "run_background_tasks_on"] as const;

function isMediaWorker(w: { kind: string | null; entry: WorkerEntry | null }): boolean {
  return w.kind === "media" || w.entry?.config?.enableMediaRepo === true || w.entry?.type === "media";
}

export function removeWorkerFromDraft(draft: Draft, name: string): WorkerEntry {
  if (name === "main" || name === "master") throw new PlanError("invalid", "main is not a worker: roll back to a single process instead");
  const entry = findWorker(draft.dep, name);
  if (!entry || draft.removed.includes(entry)) throw new PlanError("not_found", `no worker named ${name}`);
  draft.removed.push(entry);
  const doc = draft.hs;

  const streams = mapKeys(doc, ["stream_writers"]).filter((s) => listValues(doc, ["stream_writers", s]).includes(name));
  for (const s of streams) removeFromList(doc, ["stream_writers", s], name);
  if (streams.length > 0) draft.warnings.push(`${name} wrote ${streams.join(", ")}: ${streams.length === 1 ? "that stream goes" : "those streams go"} back to main`);
  if (mapKeys(doc, ["instance_map"]).includes(name)) {
    doc.deleteIn(["instance_map", name]);
    deleteIfEmpty(doc, ["instance_map"]);
  }
  removeFromList(doc, ["federation_sender_instances"], name);
  removeFromList(doc, ["pusher_instances"], name);
  for (const key of scalarKeys) if (doc.get(key) === name) doc.delete(key);

  const media = draftWorkers(draft).filter(isMediaWorker);
  if (draftHs(draft).mediaBackgroundJobsOn === name) {
    if (media.length > 0) doc.set("media_instance_running_background_jobs", media[0].name);
    else doc.delete("media_instance_running_background_jobs");
  }
  if (media.length === 0 && doc.get("enable_media_repo") === false) doc.set("enable_media_repo", true);

  if (entry.file) draft.files.set(entry.file, null);
  draft.targets.remove.push(name);
  const c = entry.process?.container;
  if (c && !c.managedByFleet) {
    const service = c.labels["com.docker.compose.service"];
    draft.warnings.push(
      `${name} was started by docker compose${service ? ` (service ${service})` : ""}: remove it from your compose file too, or the next \`docker compose up\` brings it back`,
    );
  }
  if (!c) draft.warnings.push(`${name} has no container: only its config is removed`);
  return entry;
}
