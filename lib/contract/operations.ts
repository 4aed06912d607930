// Request and response bodies of the worker lifecycle API (/api/workers, /api/plans,
// /api/operations, /api/history, …). Browser-safe: the route handlers, the UI and the OpenAPI
// document share them; the intent, plan and operation shapes come from lib/synapse/plan-schema.
import { z } from "zod";
import { workerKinds, presets } from "@/lib/synapse/catalogue";
import { intentSchema, operationSchema, placementSchema, resourceLimitsSchema, workerNameSchema } from "@/lib/synapse/plan-schema";

/** POST /api/workers: an add_worker intent without its kind. */
export const addWorkerRequestSchema = z.object({
  type: z.enum(workerKinds),
  name: workerNameSchema.optional(),
  port: z.number().int().min(1024).max(65535).optional().describe("its http listener port (allocated when absent)"),
  resources: resourceLimitsSchema.optional(),
  placement: placementSchema.optional().describe("on a Docker Swarm: where the worker starts (node), stays (pin) or may run (labels); 422 elsewhere"),
}).strict();
export type AddWorkerRequest = z.infer<typeof addWorkerRequestSchema>;

export const presetNames = Object.keys(presets) as [keyof typeof presets, ...(keyof typeof presets)[]];

/** PUT /api/workers/scale: a count for one kind, or one of the guide's sizing presets. */
export const scaleRequestSchema = z.union([
  z.object({ type: z.enum(workerKinds), count: z.number().int().min(0).max(50), placement: placementSchema.optional() }).strict(),
  z.object({ preset: z.enum(presetNames), placement: placementSchema.optional() }).strict(),
]);
export type ScaleRequest = z.infer<typeof scaleRequestSchema>;

/** What a worker card can ask of one process. */
export const workerActions = ["start", "stop", "restart"] as const;
export type WorkerAction = (typeof workerActions)[number];
export const workerActionSchema = z.enum(workerActions);

/** A process name in a path: a worker name, or main (which may be restarted but not removed). */
export const processNameSchema = z.string().min(1).max(40).regex(/^[A-Za-z0-9_.-]+$/, "letters, digits, _ . and -");

/** POST /api/plans: preview what an intent would change; nothing is applied. */
export const planRequestSchema = z.object({ intent: intentSchema }).strict();

/** An operation id in a path, bounded as the restore intent bounds it (the route builds the intent from it). */
export const operationIdSchema = z.string().min(1).max(100);

/** POST /api/history/{id}/restore: put the deployment back as it was before or after that operation. */
export const restoreRequestSchema = z.object({ point: z.enum(["before", "after"]) }).strict();
export type RestoreRequest = z.infer<typeof restoreRequestSchema>;

/** Every mutation answers 202 with the operation to follow (GET /api/operations/{id}, …/events). */
export const operationAcceptedSchema = z.object({ operationId: z.string() });
export type OperationAccepted = z.infer<typeof operationAcceptedSchema>;

/** GET /api/history query: bounded page size, and an operation id to continue after (older ones). */
export const historyQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  before: z.string().min(1).max(100).optional().describe("an operation id: answers the operations older than it"),
});

export const historyResponseSchema = z.array(operationSchema);

/** Statuses after which an operation changes no more. */
export const terminalStatuses = ["succeeded", "failed", "interrupted"] as const;
export function isTerminalStatus(status: string): boolean {
  return (terminalStatuses as readonly string[]).includes(status);
}
