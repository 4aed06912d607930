import "server-only";
import { z } from "zod";
import { errorBodySchema } from "./errors";
import { liveEventSchema, topologySchema } from "./schemas/topology";
import * as auth from "./schemas/auth";
import * as ops from "./schemas/operations";
import { logPageSchema } from "./schemas/logs";
import { operationSchema, planSchema } from "@/lib/synapse/plan-schema";

type Access = "public" | "viewer" | "operator" | "admin";

interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  access: Access;
  request?: z.ZodType;
  response?: z.ZodType;
  responseType?: "application/json" | "text/event-stream" | "text/yaml";
  /** 202 Accepted instead of 200: the work goes on after the answer. */
  status?: 200 | 202;
  errors?: number[];
}

/** Every API operation: the same zod schemas validate requests and describe them here. */
export const operations: Operation[] = [
  { method: "get", path: "/api/health", summary: "Liveness of the dashboard (public; says nothing else)", access: "public", response: z.object({ ok: z.boolean() }) },
  { method: "post", path: "/api/auth/login", summary: "Sign in; sets the session cookie", access: "public", request: auth.loginRequestSchema, response: auth.meResponseSchema, errors: [400, 401, 403, 429] },
  { method: "post", path: "/api/auth/logout", summary: "Sign out; ends the session", access: "viewer", response: z.object({ ok: z.boolean() }) },
  { method: "get", path: "/api/auth/me", summary: "Who is calling, with which role", access: "viewer", response: auth.meResponseSchema },
  { method: "get", path: "/api/topology", summary: "The live deployment: processes, roles, state, health, services, routes", access: "viewer", response: topologySchema },
  { method: "get", path: "/api/events", summary: "Server-Sent Events: container state, health, stats and engine reachability", access: "viewer", response: liveEventSchema, responseType: "text/event-stream" },
  { method: "get", path: "/api/openapi.json", summary: "This description", access: "viewer" },
  // Worker lifecycle: every mutation is an operation (202 + its id); follow it at /api/operations/{id}/events.
  { method: "post", path: "/api/workers", summary: "Add a worker of one kind", access: "operator", request: ops.addWorkerRequestSchema, response: ops.operationAcceptedSchema, status: 202, errors: [400, 404, 409] },
  { method: "put", path: "/api/workers/scale", summary: "Set the number of workers of one kind, or apply a sizing preset", access: "operator", request: ops.scaleRequestSchema, response: ops.operationAcceptedSchema, status: 202, errors: [400, 409] },
  { method: "delete", path: "/api/workers/{name}", summary: "Remove a worker: its container, its worker file and every reference to it", access: "operator", response: ops.operationAcceptedSchema, status: 202, errors: [400, 404, 409] },
  { method: "post", path: "/api/workers/{name}/{action}", summary: "Start, stop or restart one process (action: start | stop | restart)", access: "operator", response: ops.operationAcceptedSchema, status: 202, errors: [400, 404, 409] },
  { method: "post", path: "/api/plans", summary: "Preview the plan of an intent (file diffs, container steps, restarts); nothing is applied", access: "operator", request: ops.planRequestSchema, response: planSchema, errors: [400, 404, 409] },
  { method: "get", path: "/api/operations/{id}", summary: "One operation: plan, steps and result", access: "viewer", response: operationSchema, errors: [404] },
  { method: "get", path: "/api/operations/{id}/events", summary: "Server-Sent Events: the whole operation (event `operation`) on every change; ends after a terminal status", access: "viewer", response: operationSchema, responseType: "text/event-stream", errors: [404] },
  { method: "post", path: "/api/rollback-to-single-process", summary: "Remove every worker and give their work back to the main process", access: "operator", response: ops.operationAcceptedSchema, status: 202, errors: [409] },
  { method: "post", path: "/api/restore-workers", summary: "Bring back the workers from before the last rollback to a single process", access: "operator", response: ops.operationAcceptedSchema, status: 202, errors: [404, 409] },
  { method: "get", path: "/api/history", summary: "Operations, newest first (query: limit ≤ 200, before = an operation id)", access: "viewer", response: ops.historyResponseSchema, errors: [400] },
  { method: "get", path: "/api/history/{id}", summary: "One history entry", access: "viewer", response: operationSchema, errors: [404] },
  { method: "post", path: "/api/history/{id}/restore", summary: "Put the deployment back as it was before or after an operation", access: "operator", request: ops.restoreRequestSchema, response: ops.operationAcceptedSchema, status: 202, errors: [400, 404, 409] },
  // Logs (query: tail ≤ 10,000, since/until = 90s|15m|2h|1d or RFC 3339, q, regex=1, follow=1; unknown parameters → 400).
  { method: "get", path: "/api/workers/{name}/logs", summary: "One worker's log: a bounded JSON page, or with follow=1 Server-Sent Events (`lines` batches with id = newest ts, resumable by Last-Event-ID; `status`)", access: "viewer", response: logPageSchema, errors: [400, 404, 429, 503] },
  { method: "get", path: "/api/logs", summary: "Several workers' logs merged by time (workers = names, all, or type:<worker type>): a bounded JSON page, or with follow=1 Server-Sent Events", access: "viewer", response: logPageSchema, errors: [400, 404, 429, 503] },
  { method: "get", path: "/api/export/compose", summary: "The deployment as a docker-compose file (download)", access: "operator", responseType: "text/yaml" },
];

const statusText: Record<number, string> = { 400: "Invalid request", 401: "Not signed in", 403: "Role or origin not allowed", 404: "Not found", 409: "Conflict", 429: "Too many attempts", 503: "Unavailable" };

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: "any", io: "output" });
}

export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const op of operations) {
    const errors = new Set(op.errors ?? []);
    if (op.access !== "public") {
      errors.add(401);
      errors.add(403);
    }
    const responses: Record<string, unknown> = {
      [String(op.status ?? 200)]: {
        description: op.status === 202 ? "Accepted: the operation runs on" : "OK",
        ...(op.response || op.responseType ? { content: { [op.responseType ?? "application/json"]: { schema: op.response ? jsonSchema(op.response) : op.responseType === "text/yaml" ? { type: "string" } : {} } } } : {}),
      },
    };
    for (const code of [...errors].sort()) {
      responses[String(code)] = { description: statusText[code] ?? "Error", content: { "application/json": { schema: jsonSchema(errorBodySchema) } } };
    }
    paths[op.path] ??= {};
    paths[op.path][op.method] = {
      summary: op.summary,
      "x-required-role": op.access,
      security: op.access === "public" ? [] : [{ session: [] }, { bearer: [] }],
      ...(op.request ? { requestBody: { required: true, content: { "application/json": { schema: jsonSchema(op.request) } } } } : {}),
      responses,
    };
  }
  return {
    openapi: "3.1.0",
    info: { title: "Synapse Fleet API", version: "0.1.0", description: "Operate a Synapse homeserver in worker mode. Roles: viewer < operator < admin." },
    components: {
      securitySchemes: {
        session: { type: "apiKey", in: "cookie", name: "fleet_session" },
        bearer: { type: "http", scheme: "bearer", description: "API token (sf_…) created by an admin or `npm run fleet -- token create`" },
      },
    },
    paths,
  };
}
