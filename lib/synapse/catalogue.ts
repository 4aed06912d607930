import type { Route } from "./routes-table";
import type { StreamName, WorkerType } from "./types";

/**
 * Every kind of worker an operator can add, as data (Synapse Workers Guide, v1.160).
 * Pure and browser-safe: the planner, the UI's "Add worker" menu and the docs read it.
 */
export const workerKinds = [
  "generic",
  "media",
  "federation_sender",
  "event_persister",
  "synchrotron",
  "client_reader",
  "federation_reader",
  "federation_inbound",
  "event_creator",
  "pusher",
  "user_dir",
  "appservice",
  "background_worker",
  "typing_writer",
  "to_device_writer",
  "account_data_writer",
  "presence_writer",
  "push_rules_writer",
  "receipts_writer",
  "device_lists_writer",
  "thread_subscriptions_writer",
] as const;
export type WorkerKind = (typeof workerKinds)[number];

export type HttpResource = "client" | "federation" | "media" | "replication";

/** Which processes must restart when a worker of this kind is added or removed. */
export type RestartRule =
  | "self" // only the new/removed worker
  | "main_and_self" // main reads a key that names this worker
  | "main_and_kind" // main and every worker of this kind (federation senders, pushers: stop all, start together)
  | "all"; // stream_writers / instance_map change: every process

export interface WorkerKindSpec {
  kind: WorkerKind;
  /** The type discovery derives for such a worker (what the topology shows). */
  type: WorkerType;
  label: string;
  /** Names are prefix + a number: generic_worker2, media_worker1, federation_sender3… */
  namePrefix: string;
  /** Resources of its http listener (none: no http listener, metrics only). */
  resources: HttpResource[];
  /** Streams it writes: it joins `stream_writers`, needs a replication listener and an instance_map entry. */
  streams: StreamName[];
  /** How many may exist at once; null = many. */
  max: number | null;
  /** A homeserver.yaml key that names it (list keys get it appended; scalar keys are set to it). */
  homeserverKey?:
    | "federation_sender_instances"
    | "pusher_instances"
    | "update_user_directory_from_worker"
    | "notify_appservices_from_worker"
    | "run_background_tasks_on"
    | "media_instance_running_background_jobs";
  /** Extra keys of its own worker file. */
  workerFileExtra?: Record<string, unknown>;
  restart: RestartRule;
  /** What the load balancer sends it (routes-table.ts says how the renderers read a route). */
  routes: readonly Route[];
  /** The Traefik service shared by every worker of this kind. */
  traefikService?: string;
  defaultResources: { cpus: number; memoryMiB: number };
  /** One line for the operator: what it takes off main. */
  purpose: string;
}

/** The guide's sync endpoints: a process caches a user's sync state, so a user stays on one worker. */
const syncRoutes: readonly Route[] = [
  { match: "regex", path: "^/_matrix/client/(r0|v3)/sync$", sticky: "user" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3)/events$", sticky: "user" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3)/initialSync$", sticky: "user" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3)/rooms/[^/]+/initialSync$", sticky: "user" },
];
const clientRoutes: readonly Route[] = [
  {
    match: "prefix", path: "/_matrix/client",
    note: "Wider than the guide's list of worker endpoints; kept because existing deployments, the lab and its tests send all client traffic to generic workers",
  },
  { match: "prefix", path: "/_synapse/client" },
  // Inside the prefix above, so they take nothing from other kinds: they only balance /sync by user.
  ...syncRoutes.map((r) => ({ ...r, note: "balances /sync by user inside /_matrix/client" })),
];
/** The guide's event sending endpoints; `[^/]+` for a room id (it has no /), so they meet no other room route. */
const eventRoutes: readonly Route[] = [
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/[^/]+/redact" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/[^/]+/send" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/[^/]+/state/" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3|unstable)/rooms/[^/]+/(join|invite|leave|ban|unban|kick)$" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3|unstable)/join/" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3|unstable)/knock/" },
  { match: "regex", path: "^/_matrix/client/(api/v1|r0|v3|unstable)/profile/" },
];
const small = { cpus: 0.5, memoryMiB: 512 };
const normal = { cpus: 1, memoryMiB: 1024 };

function streamWriter(stream: StreamName, label: string, max: number | null): WorkerKindSpec {
  return {
    kind: `${stream}_writer` as WorkerKind,
    type: "stream_writer",
    label,
    namePrefix: `${stream}_writer`,
    resources: ["client"],
    streams: [stream],
    max,
    restart: "all",
    routes: [],
    defaultResources: small,
    purpose: `Writes the ${stream} stream instead of main.`,
  };
}

export const workerCatalogue: Record<WorkerKind, WorkerKindSpec> = {
  generic: {
    kind: "generic", type: "generic", label: "Generic worker", namePrefix: "generic_worker", resources: ["client", "federation"], streams: [], max: null,
    restart: "self", routes: clientRoutes, traefikService: "synapse-generic", defaultResources: normal,
    purpose: "Serves client and federation requests that workers can handle.",
  },
  media: {
    kind: "media", type: "media", label: "Media worker", namePrefix: "media_worker", resources: ["media", "client"], streams: [], max: null,
    homeserverKey: "media_instance_running_background_jobs", workerFileExtra: { enable_media_repo: true },
    restart: "self", routes: [
      { match: "prefix", path: "/_matrix/media" }, { match: "prefix", path: "/_matrix/client/v1/media" }, { match: "prefix", path: "/_matrix/federation/v1/media" },
    ], traefikService: "synapse-media", defaultResources: normal,
    purpose: "Serves uploads, downloads and thumbnails; main stops serving media.",
  },
  federation_sender: {
    kind: "federation_sender", type: "federation_sender", label: "Federation sender", namePrefix: "federation_sender", resources: [], streams: [], max: null,
    homeserverKey: "federation_sender_instances", restart: "main_and_kind", routes: [], defaultResources: small,
    purpose: "Sends outgoing federation traffic instead of main.",
  },
  event_persister: {
    kind: "event_persister", type: "event_persister", label: "Event persister", namePrefix: "event_persister", resources: [], streams: ["events"], max: null,
    restart: "all", routes: [], defaultResources: normal,
    purpose: "Writes events to the database instead of main.",
  },
  synchrotron: {
    kind: "synchrotron", type: "synchrotron", label: "Synchrotron", namePrefix: "synchrotron", resources: ["client"], streams: [], max: null,
    restart: "self", routes: syncRoutes, defaultResources: normal,
    purpose: "Answers /sync; pin each user to one synchrotron.",
  },
  client_reader: {
    kind: "client_reader", type: "client_reader", label: "Client reader", namePrefix: "client_reader", resources: ["client"], streams: [], max: null,
    restart: "self", routes: clientRoutes, traefikService: "synapse-generic", defaultResources: normal,
    purpose: "Answers read-mostly client endpoints.",
  },
  federation_reader: {
    kind: "federation_reader", type: "federation_reader", label: "Federation reader", namePrefix: "federation_reader", resources: ["federation"], streams: [], max: null,
    restart: "self", routes: [{ match: "prefix", path: "/_matrix/federation" }, { match: "prefix", path: "/_matrix/key" }], defaultResources: normal,
    purpose: "Answers federation requests from other servers.",
  },
  federation_inbound: {
    kind: "federation_inbound", type: "federation_inbound", label: "Federation inbound", namePrefix: "federation_inbound", resources: ["federation"], streams: [], max: null,
    restart: "self", routes: [
      // The trailing / keeps send_join, send_leave and send_knock off it (they are not transactions).
      { match: "prefix", path: "/_matrix/federation/v1/send/", sticky: "source_ip" },
    ], defaultResources: normal,
    purpose: "Receives federation transactions; balance by source IP.",
  },
  event_creator: {
    kind: "event_creator", type: "event_creator", label: "Event creator", namePrefix: "event_creator", resources: ["client"], streams: [], max: null,
    restart: "self", routes: eventRoutes, defaultResources: normal,
    purpose: "Creates events: sends, redactions, membership changes.",
  },
  pusher: {
    kind: "pusher", type: "pusher", label: "Pusher", namePrefix: "pusher", resources: [], streams: [], max: null,
    homeserverKey: "pusher_instances", restart: "main_and_kind", routes: [], defaultResources: small,
    purpose: "Sends push notifications instead of main.",
  },
  user_dir: {
    kind: "user_dir", type: "user_dir", label: "User directory", namePrefix: "user_dir", resources: ["client"], streams: [], max: 1,
    homeserverKey: "update_user_directory_from_worker", restart: "main_and_self", routes: [{ match: "regex", path: "^/_matrix/client/(r0|v3|unstable)/user_directory/search$" }], defaultResources: small,
    purpose: "Maintains and searches the user directory.",
  },
  appservice: {
    kind: "appservice", type: "appservice", label: "Appservice sender", namePrefix: "appservice", resources: [], streams: [], max: 1,
    homeserverKey: "notify_appservices_from_worker", restart: "main_and_self", routes: [], defaultResources: small,
    purpose: "Sends events to application services instead of main.",
  },
  background_worker: {
    kind: "background_worker", type: "background_worker", label: "Background worker", namePrefix: "background_worker", resources: [], streams: [], max: 1,
    homeserverKey: "run_background_tasks_on", restart: "main_and_self", routes: [], defaultResources: small,
    purpose: "Runs background tasks instead of main.",
  },
  typing_writer: streamWriter("typing", "Typing writer", 1),
  to_device_writer: streamWriter("to_device", "To-device writer", 1),
  account_data_writer: streamWriter("account_data", "Account data writer", 1),
  presence_writer: streamWriter("presence", "Presence writer", 1),
  push_rules_writer: streamWriter("push_rules", "Push rules writer", 1),
  receipts_writer: streamWriter("receipts", "Receipts writer", null),
  device_lists_writer: streamWriter("device_lists", "Device lists writer", null),
  thread_subscriptions_writer: streamWriter("thread_subscriptions", "Thread subscriptions writer", null),
};

/** Streams that take exactly one writer (Synapse refuses more). */
export const singleWriterStreams: readonly StreamName[] = ["typing", "to_device", "account_data", "presence", "push_rules"];

/** The guide's sizing presets, as counts per kind. */
export const presets = {
  small: { label: "Small (< 100 users)", counts: { generic: 1, media: 1, federation_sender: 1 } },
  medium: { label: "Medium (100–1000 users)", counts: { generic: 3, media: 2, federation_sender: 2 } },
  large: { label: "Large (> 1000 users)", counts: { generic: 5, media: 3, federation_sender: 3, event_persister: 2 } },
  one_of_each: {
    label: "One of each kind",
    counts: Object.fromEntries(workerKinds.map((k) => [k, 1])) as Partial<Record<WorkerKind, number>>,
  },
} as const satisfies Record<string, { label: string; counts: Partial<Record<WorkerKind, number>> }>;
export type PresetName = keyof typeof presets;
