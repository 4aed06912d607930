import type { HomeserverConfig, WorkerConfig } from "./config";
import type { StreamName, WorkerType } from "./types";

export interface ProcessRole {
  type: WorkerType;
  /** Streams this process writes (from `stream_writers`); main writes every stream no worker writes. */
  streams: string[];
}

/** Worker names that say what the worker is for, as the Workers Guide names them. */
const nameHints: Array<[RegExp, WorkerType]> = [
  [/^synchrotron/, "synchrotron"],
  [/^client_reader/, "client_reader"],
  [/^federation_reader/, "federation_reader"],
  [/^federation_inbound/, "federation_inbound"],
  [/^event_creator/, "event_creator"],
];

export function streamsWrittenBy(instance: string, hs: HomeserverConfig): string[] {
  return Object.entries(hs.streamWriters)
    .filter(([, writers]) => writers?.includes(instance))
    .map(([stream]) => stream);
}

/**
 * Derives what a process is from its worker file and homeserver.yaml. The config is the
 * truth: a worker is a federation sender because homeserver.yaml lists it, not because of its name.
 */
export function deriveRole(worker: WorkerConfig | null, hs: HomeserverConfig): ProcessRole {
  if (!worker) return { type: "main", streams: [] };
  const name = worker.workerName ?? "";
  const streams = streamsWrittenBy(name, hs);
  const resources = new Set(worker.listeners.flatMap((l) => l.resources));

  let type: WorkerType;
  if (hs.federationSenderInstances.includes(name)) type = "federation_sender";
  else if (streams.includes("events")) type = "event_persister";
  else if (resources.has("media") || worker.enableMediaRepo === true || hs.mediaBackgroundJobsOn === name) type = "media";
  else if (hs.pusherInstances.includes(name)) type = "pusher";
  else if (hs.userDirectoryWorker === name) type = "user_dir";
  else if (hs.appserviceWorker === name) type = "appservice";
  else if (hs.backgroundTasksOn === name) type = "background_worker";
  // The guide's generic worker serves federation too; a dedicated writer serves at most its client endpoints.
  else if (streams.length > 0 && !resources.has("federation")) type = "stream_writer";
  else type = nameHints.find(([re]) => re.test(name))?.[1] ?? "generic";
  return { type, streams };
}

/** The streams main still writes: every known stream that no worker has taken. */
export function streamsOnMain(hs: HomeserverConfig, known: readonly StreamName[]): string[] {
  return known.filter((s) => (hs.streamWriters[s] ?? []).length === 0);
}
