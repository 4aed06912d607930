import { z } from "zod";
import { FleetError } from "../errors";
import { workerKinds } from "./catalogue";
import { workerTypes } from "./types";

/**
 * The shapes of intents, plans, snapshots and operations. Pure and browser-safe: the planner
 * (lib/synapse/plan.ts) produces them, the executor (lib/operations) carries them out, the API
 * validates with them and the OpenAPI document is generated from them.
 */

export const workerNameSchema = z
  .string()
  .regex(/^[a-z][a-z0-9_]{0,39}$/, "lower-case letters, digits and _, starting with a letter, at most 40 characters")
  .refine((n) => n !== "main" && n !== "master", "main and master name the main process")
  .refine((n) => n !== "scale", "scale is reserved by the API (PUT /api/workers/scale)");

export const resourceLimitsSchema = z
  .object({
    cpus: z.number().positive().max(64).optional().describe("CPU limit in cores, e.g. 0.5"),
    memoryMiB: z.number().int().min(64).max(262_144).optional().describe("memory limit in MiB"),
  })
  .strict();

/** A Swarm node label key or value (`node.labels.<key>==<value>` constraints). */
const nodeLabelKey = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/, "letters, digits, '.', '_' and '-', at most 63 characters");
const nodeLabelValue = z.string().regex(/^[A-Za-z0-9._-]{1,63}$/, "letters, digits, '.', '_' and '-', 1 to 63 characters");

/**
 * Where a worker runs on a Docker Swarm (issue #15 §3). `node` (hostname or id) is where it starts;
 * unless `pin`, Swarm may move it afterwards (drain, node failure). `labels` stay as constraints.
 * Refused (422) on a deployment of plain containers.
 */
export const placementSchema = z
  .object({
    node: z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, "a node's hostname or id").optional(),
    pin: z.boolean().optional().describe("keep the worker on `node` for good (else it only starts there)"),
    labels: z
      .record(nodeLabelKey, nodeLabelValue)
      .refine((r) => Object.keys(r).length <= 8, "at most 8 labels")
      .optional()
      .describe("node labels the worker's node must carry, for good"),
  })
  .strict();
export type Placement = z.infer<typeof placementSchema>;

/** A Swarm node as the planner and the topology see it. */
export const swarmNodeSchema = z.object({
  id: z.string(),
  hostname: z.string(),
  role: z.enum(["manager", "worker"]),
  availability: z.enum(["active", "pause", "drain"]),
  state: z.string().describe("ready, down, disconnected, unknown"),
  address: z.string().nullable(),
  labels: z.record(z.string(), z.string()),
});
export type SwarmNode = z.infer<typeof swarmNodeSchema>;

export const intentSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("add_worker"),
    type: z.enum(workerKinds),
    name: workerNameSchema.optional(),
    port: z.number().int().min(1024).max(65535).optional().describe("its http listener port (allocated when absent)"),
    resources: resourceLimitsSchema.optional(),
    placement: placementSchema.optional(),
  }).strict(),
  z.object({ kind: z.literal("remove_worker"), name: workerNameSchema }),
  z.object({ kind: z.literal("scale"), type: z.enum(workerKinds), count: z.number().int().min(0).max(50), placement: placementSchema.optional() }),
  z.object({ kind: z.enum(["start", "stop", "restart"]), name: z.string().min(1).max(40) }),
  z.object({ kind: z.literal("preset"), preset: z.enum(["small", "medium", "large", "one_of_each"]), placement: placementSchema.optional() }),
  z.object({ kind: z.literal("rollback_to_single_process") }),
  z.object({ kind: z.literal("restore_workers").describe("bring back the topology from before the last rollback") }),
  z
    .object({
      kind: z.literal("edit_files"),
      files: z
        .array(z.object({ path: z.string().min(1).max(200), baseVersion: z.string().min(1).max(200).describe("the version the edit was made on") }).strict())
        .min(1)
        .max(20),
    })
    .strict()
    .describe("save edited config files; their contents travel beside the intent, never in it"),
  z.object({ kind: z.literal("restore"), operationId: z.string().min(1).max(100), point: z.enum(["before", "after"]) }),
]);
export type Intent = z.infer<typeof intentSchema>;

/** A JSON object of engine fields, bounded: a recorded definition must not grow a snapshot without limit (the lab's are 1.3–2 KB). */
const ENGINE_RECORD_MAX_CHARS = 64 * 1024;
const boundedEngineRecord = z
  .record(z.string().max(200), z.unknown())
  .refine((r) => JSON.stringify(r).length <= ENGINE_RECORD_MAX_CHARS, `at most ${ENGINE_RECORD_MAX_CHARS} characters of JSON`);

/**
 * Everything else of the engine's definition of a container, as its create API takes it: the
 * `Config` and `HostConfig` fields the typed fields of a spec do not carry (healthcheck, stop
 * signal, capabilities, security options, read-only root, tmpfs, ulimits, log driver…). Written by
 * the runtime (lib/docker/container-record.ts), read back by it at create time; never env (that
 * stays in the typed `env`, which masking covers by name).
 */
export const engineRecordSchema = z
  .object({
    config: boundedEngineRecord.describe("Config fields beyond the typed ones"),
    hostConfig: boundedEngineRecord.describe("HostConfig fields beyond the typed ones"),
  })
  .strict();
export type EngineRecord = z.infer<typeof engineRecordSchema>;

/** How a worker container is made; runtime-agnostic (a Swarm service could take the same). */
export const containerSpecSchema = z.object({
  name: z.string().describe("container name"),
  image: z.string(),
  entrypoint: z.array(z.string()).nullable(),
  cmd: z.array(z.string()),
  env: z.record(z.string(), z.string()),
  binds: z.array(z.string()).describe("host:container[:mode] bind mounts and named volumes, as Docker writes them"),
  networks: z.array(
    z.object({
      name: z.string(),
      aliases: z.array(z.string()),
      endpoint: boundedEngineRecord.optional().describe("the endpoint's other settings: static addresses (IPAMConfig), links, driver options"),
    }),
  ),
  labels: z.record(z.string(), z.string()),
  restartPolicy: z.string(),
  user: z.string().nullable(),
  ports: z.array(z.object({ container: z.number().int(), host: z.number().int(), hostIp: z.string() })).describe("published ports"),
  resources: z.object({ nanoCpus: z.number().int().nullable(), memoryBytes: z.number().int().nullable() }),
  engine: engineRecordSchema.optional().describe("the rest of the engine's definition; absent in specs recorded before it existed"),
  placement: placementSchema.optional().describe("Swarm services only: where the worker starts or stays"),
});
export type ContainerSpec = z.infer<typeof containerSpecSchema>;

/** The deployment at one moment: enough to plan from and to put back exactly. */
export const snapshotSchema = z.object({
  takenAt: z.string(),
  /** Config dir files by relative path: homeserver.yaml, workers/*.yaml, prometheus/synapse-targets.json. */
  files: z.record(z.string(), z.string()),
  processes: z.array(
    z.object({
      name: z.string(),
      type: z.enum(workerTypes),
      state: z.string(),
      /** Its worker file, relative to the config dir (null for main). */
      configFile: z.string().nullable(),
      container: containerSpecSchema.extend({ id: z.string(), managedByFleet: z.boolean() }).nullable(),
    }),
  ),
  /** Present when the deployment runs as Swarm services: the cluster's nodes (issue #15). */
  nodes: z.array(swarmNodeSchema).optional(),
  /** Host ports already published by any container on the engine (not only Synapse). */
  usedHostPorts: z.array(z.number().int()),
  /** The nginx entrypoint, when the deployment has one (lib/synapse/plan-lb.ts); its config file is in `files`. */
  loadBalancer: z
    .object({
      kind: z.literal("nginx"),
      name: z.string().describe("its container name: the target of reload_lb steps"),
      containerId: z.string(),
      state: z.string(),
      configFile: z.string().describe("relative to the config dir"),
      /** `nginx -t` on the file as it was when the snapshot was taken (null: not run, the container is not running). */
      check: z.object({ ok: z.boolean(), message: z.string() }).nullable(),
    })
    .optional(),
});
export type DeploymentSnapshot = z.infer<typeof snapshotSchema>;

export const fileChangeSchema = z.object({
  path: z.string().describe("relative to the config dir"),
  before: z.string().nullable().describe("null: the file is created"),
  after: z.string().nullable().describe("null: the file is removed"),
});
export type FileChange = z.infer<typeof fileChangeSchema>;

export const stepSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("write_files"), reason: z.string() }),
  z.object({ kind: z.literal("create_container"), process: z.string(), spec: containerSpecSchema, reason: z.string() }),
  z.object({ kind: z.enum(["start", "stop", "restart", "remove_container"]), process: z.string(), reason: z.string() }),
  z.object({ kind: z.literal("reload"), process: z.string(), reason: z.string() }).describe("SIGHUP: Synapse re-reads its log config without a restart"),
  z.object({ kind: z.literal("wait_healthy"), processes: z.array(z.string()), timeoutMs: z.number().int(), reason: z.string() }),
  z
    .object({
      kind: z.literal("reload_lb"),
      process: z.string().describe("the load balancer's container name"),
      path: z.string().describe("its config file, relative to the config dir"),
      before: z.string().nullable().describe("the file as the plan expects it on disk (null: absent)"),
      after: z.string(),
      reason: z.string(),
    })
    .describe("write the load balancer's config, check it with `nginx -t`, then reload gracefully (`nginx -s reload`)"),
]);
export type Step = z.infer<typeof stepSchema>;

export const planSchema = z.object({
  intent: intentSchema,
  summary: z.string(),
  files: z.array(fileChangeSchema),
  steps: z.array(stepSchema),
  restarts: z.array(z.object({ process: z.string(), reason: z.string() })),
  /** Removes or restarts more than a new worker: the UI asks before applying. */
  destructive: z.boolean(),
  /** The processes expected afterwards. */
  expected: z.array(z.object({ name: z.string(), type: z.enum(workerTypes) })),
  warnings: z.array(z.string()),
});
export type Plan = z.infer<typeof planSchema>;

export const operationStatusSchema = z.enum(["planned", "applying", "succeeded", "failed", "interrupted"]);
export type OperationStatus = z.infer<typeof operationStatusSchema>;

export const stepStatusSchema = z.enum(["pending", "running", "succeeded", "failed", "skipped", "compensated"]);

export const operationSchema = z.object({
  id: z.string(),
  intent: intentSchema,
  actor: z.string(),
  status: operationStatusSchema,
  summary: z.string(),
  plan: planSchema.describe("secrets in file contents are masked"),
  steps: z.array(
    z.object({
      index: z.number().int(),
      kind: z.string(),
      target: z.string().nullable(),
      reason: z.string(),
      status: stepStatusSchema,
      startedAt: z.string().nullable(),
      finishedAt: z.string().nullable(),
      message: z.string().nullable(),
    }),
  ),
  error: z.string().nullable(),
  /** The last log lines of the process that failed, when one did. */
  failureLogs: z.array(z.string()).nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  restoreOf: z.string().nullable().describe("the operation whose snapshot this one restored"),
});
export type Operation = z.infer<typeof operationSchema>;

export type PlanErrorCode = "invalid" | "conflict" | "not_found" | "limit" | "stale" | "unprocessable";

/**
 * Refused before anything is touched; the message says why, in the operator's words. The API
 * answers its code with `details.reason` = the code (a stale base: `stale_base`, with `current`).
 */
export class PlanError extends FleetError {
  declare readonly code: PlanErrorCode;
  constructor(
    code: PlanErrorCode,
    message: string,
    /** For "stale": the current version of each file whose base was not it. */
    details?: Record<string, unknown>,
  ) {
    // A stale base's reason ("stale_base") comes from the one mapping, which gives every stale refusal one.
    super(code, message, code === "stale" ? details : { reason: code, ...details });
    this.name = "PlanError";
  }
}

/** An edit the validator refuses (an error-level finding); nothing is written. Answered 422 with the findings. */
export class ConfigFindingsError extends FleetError {
  readonly findings: Array<{ rule?: string; level: string; message: string; file?: string; line?: number }>;
  constructor(findings: ConfigFindingsError["findings"]) {
    super(
      "unprocessable",
      `The edit has ${findings.length} error${findings.length === 1 ? "" : "s"}: ${findings.map((f) => `${f.file ?? "config"}${f.line ? `:${f.line}` : ""} ${f.message}`).join("; ")}`,
      { reason: "findings", findings },
    );
    this.findings = findings;
    this.name = "ConfigFindingsError";
  }
}
