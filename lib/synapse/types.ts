/** The kinds of Synapse process an operator deals with (browser-safe, pure). */
export const workerTypes = [
  "main",
  "generic",
  "media",
  "federation_sender",
  "event_persister",
  "stream_writer",
  "synchrotron",
  "client_reader",
  "federation_reader",
  "federation_inbound",
  "event_creator",
  "pusher",
  "user_dir",
  "appservice",
  "background_worker",
] as const;
export type WorkerType = (typeof workerTypes)[number];

/** Streams that may be written by a worker instead of main (homeserver.yaml `stream_writers`). */
export const streamNames = [
  "events",
  "typing",
  "to_device",
  "account_data",
  "receipts",
  "presence",
  "push_rules",
  "device_lists",
  "thread_subscriptions",
  "quarantined_media_changes",
] as const;
export type StreamName = (typeof streamNames)[number];

export const workerTypeLabels: Record<WorkerType, string> = {
  main: "Main process",
  generic: "Generic worker",
  media: "Media worker",
  federation_sender: "Federation sender",
  event_persister: "Event persister",
  stream_writer: "Stream writer",
  synchrotron: "Synchrotron",
  client_reader: "Client reader",
  federation_reader: "Federation reader",
  federation_inbound: "Federation inbound",
  event_creator: "Event creator",
  pusher: "Pusher",
  user_dir: "User directory",
  appservice: "Appservice",
  background_worker: "Background worker",
};

/** Card groups on the topology screen, in display order. */
export const roleGroups = [
  { id: "main", label: "Main process", types: ["main"] },
  { id: "generic", label: "Generic workers", types: ["generic", "synchrotron", "client_reader", "federation_reader", "federation_inbound", "event_creator"] },
  { id: "media", label: "Media workers", types: ["media"] },
  { id: "federation_sender", label: "Federation senders", types: ["federation_sender"] },
  { id: "stream_writer", label: "Stream writers", types: ["stream_writer"] },
  { id: "event_persister", label: "Event persisters", types: ["event_persister"] },
  { id: "other", label: "Other workers", types: ["pusher", "user_dir", "appservice", "background_worker"] },
] as const satisfies ReadonlyArray<{ id: string; label: string; types: readonly WorkerType[] }>;

export function roleGroupOf(type: WorkerType): (typeof roleGroups)[number]["id"] {
  return roleGroups.find((g) => (g.types as readonly WorkerType[]).includes(type))?.id ?? "other";
}
