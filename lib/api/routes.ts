// Every API route, declared once: who may call it, what body it takes, what it answers.
// The route wrapper (handler.ts) enforces it, the OpenAPI document describes it, and the access
// tests walk it — so a route's access cannot differ between what runs, what is documented and
// what is tested. Browser-safe (schemas only), so the e2e suite can import it.
import { z } from "zod";
import { operationSchema, planSchema } from "@/lib/synapse/plan-schema";
import * as admin from "@/lib/contract/admin";
import * as auth from "@/lib/contract/auth";
import * as config from "@/lib/contract/config";
import * as diagnostics from "@/lib/contract/diagnostics";
import { logPageSchema } from "@/lib/contract/logs";
import * as metrics from "@/lib/contract/metrics";
import * as ops from "@/lib/contract/operations";
import { liveEventSchema, topologySchema } from "@/lib/contract/topology";

export type Access = "public" | "viewer" | "operator" | "admin";
export type HttpMethod = "GET" | "POST" | "PUT" | "PATCH" | "DELETE";

/** How large a request body may be: small JSON, or JSON that carries file content. */
export const BODY_LIMITS = { json: 64 * 1024, file: 1024 * 1024 } as const;

export interface RouteSpec {
  access: Access;
  summary: string;
  /** The JSON body the route reads; absent: the route takes no body (one sent is refused). */
  body?: { schema: z.ZodType; limit: keyof typeof BODY_LIMITS };
  response?: z.ZodType;
  responseType?: "application/json" | "text/event-stream" | "text/yaml" | "text/plain";
  /** 202 Accepted: the work goes on after the answer. */
  status?: 200 | 201 | 202;
  errors?: number[];
  /** Server-Sent Events: counts against the caller's stream slots. */
  stream?: boolean;
  /** A read that reveals secrets: audited like a mutation. */
  revealsSecrets?: boolean;
  /** A POST that changes nothing (it computes an answer from its body): not audited, open to its role. */
  readOnly?: boolean;
}

const json = (schema: z.ZodType, limit: keyof typeof BODY_LIMITS = "json") => ({ schema, limit });
const accepted = { response: ops.operationAcceptedSchema, status: 202 as const };

/** The table. Keys are "METHOD /api/path" with {param} segments, exactly as the route files lie. */
export const routeTable = {
  "GET /api/health": { access: "public", summary: "Liveness of the dashboard (public; says nothing else)", response: z.object({ ok: z.boolean() }) },
  "POST /api/auth/login": { access: "public", summary: "Sign in; sets the session cookie", body: json(auth.loginRequestSchema), response: auth.meResponseSchema, errors: [400, 401, 403, 413, 415, 429] },
  "POST /api/auth/logout": { access: "viewer", summary: "Sign out; ends the session", response: auth.logoutResponseSchema },
  "GET /api/auth/me": { access: "viewer", summary: "Who is calling, with which role", response: auth.meResponseSchema },
  "GET /api/topology": { access: "viewer", summary: "The live deployment: processes, roles, state, health, services, routes", response: topologySchema },
  "GET /api/events": { access: "viewer", summary: "Server-Sent Events: container state, health, stats and engine reachability", response: liveEventSchema, responseType: "text/event-stream", stream: true, errors: [429] },
  "GET /api/openapi.json": { access: "viewer", summary: "This description" },
  // Worker lifecycle: every mutation is an operation (202 + its id); follow it at /api/operations/{id}/events.
  // Apply what was previewed: POST /api/plans answers with an ETag; a mutation sent with it in If-Match
  // applies exactly that plan, or answers 409 {reason: "plan_changed", fingerprint, plan} and does nothing.
  "POST /api/workers": { access: "operator", summary: "Add a worker of one kind", body: json(ops.addWorkerRequestSchema), ...accepted, errors: [400, 404, 409, 413, 415, 503] },
  "PUT /api/workers/scale": { access: "operator", summary: "Set the number of workers of one kind, or apply a sizing preset", body: json(ops.scaleRequestSchema), ...accepted, errors: [400, 409, 413, 415, 503] },
  "DELETE /api/workers/{name}": { access: "operator", summary: "Remove a worker: its container, its worker file and every reference to it", ...accepted, errors: [400, 404, 409, 503] },
  "POST /api/workers/{name}/{action}": { access: "operator", summary: "Start, stop or restart one process (action: start | stop | restart)", ...accepted, errors: [400, 404, 409, 503] },
  "POST /api/plans": { access: "operator", summary: "Preview the plan of an intent (file diffs, container steps, restarts); nothing is applied", body: json(ops.planRequestSchema), response: planSchema, errors: [400, 404, 409, 413, 415, 503] },
  "GET /api/operations/{id}": { access: "viewer", summary: "One operation: plan, steps and result", response: operationSchema, errors: [404] },
  "GET /api/operations/{id}/events": { access: "viewer", summary: "Server-Sent Events: the whole operation (event `operation`) on every change; ends after a terminal status", response: operationSchema, responseType: "text/event-stream", stream: true, errors: [404, 429] },
  "POST /api/rollback-to-single-process": { access: "operator", summary: "Remove every worker and give their work back to the main process", ...accepted, errors: [400, 409, 503] },
  "POST /api/restore-workers": { access: "operator", summary: "Bring back the workers from before the last rollback to a single process", ...accepted, errors: [400, 404, 409, 503] },
  "GET /api/history": { access: "viewer", summary: "Operations, newest first (query: limit ≤ 200, before = an operation id)", response: ops.historyResponseSchema, errors: [400] },
  "GET /api/history/{id}": { access: "viewer", summary: "One history entry", response: operationSchema, errors: [404] },
  "POST /api/history/{id}/restore": { access: "operator", summary: "Put the deployment back as it was before or after an operation", body: json(ops.restoreRequestSchema), ...accepted, errors: [400, 404, 409, 413, 415, 503] },
  // Logs (query: tail ≤ 10,000, since/until = 90s|15m|2h|1d or RFC 3339, q, regex=1, follow=1; unknown parameters → 400).
  "GET /api/workers/{name}/logs": { access: "viewer", summary: "One worker's log: a bounded JSON page, or with follow=1 Server-Sent Events (`lines` batches with id = newest ts, resumable by Last-Event-ID; `status`)", response: logPageSchema, errors: [400, 404, 429, 503] },
  "GET /api/logs": { access: "viewer", summary: "Several workers' logs merged by time (workers = names, all, or type:<worker type>): a bounded JSON page, or with follow=1 Server-Sent Events", response: logPageSchema, errors: [400, 404, 429, 503] },
  // Metrics from Prometheus, per process (query: range = 15m|1h|6h|24h|7d or start/end in unix seconds, workers = names, width = px ≤ 2000; unknown parameters → 400).
  "GET /api/metrics": { access: "viewer", summary: "The metric panels, the ranges and where the dashboard reads Prometheus", response: metrics.metricsIndexSchema },
  "GET /api/metrics/{panel}": { access: "viewer", summary: "One panel's series per process over a range (step and rate window derived from the scrape interval)", response: metrics.panelDataSchema, errors: [400, 404, 503] },
  // Diagnostics: the Workers Guide's troubleshooting as checks, run in parallel, each bounded in time.
  "GET /api/diagnostics": { access: "viewer", summary: "Every check: Redis, worker start-up, config, routing, main overload, database pool, scraping, limits, worker env", response: diagnostics.diagnosticsSchema },
  "GET /api/diagnostics/{id}": { access: "viewer", summary: "One check, run now", response: diagnostics.checkResultSchema, errors: [404] },
  "GET /api/export/compose": { access: "operator", summary: "The deployment as a docker-compose file (download); secrets are ${VAR} references", responseType: "text/yaml" },
  "GET /api/export/compose/secrets": { access: "admin", summary: "The values of the compose file's ${VAR} references, as an env file (download; audited)", responseType: "text/plain", revealsSecrets: true },
  // The config directory, read: every file the editor may show (keys never), secrets masked.
  "GET /api/config/files": { access: "viewer", summary: "The config files the dashboard manages (homeserver.yaml, worker files, log configs, the Prometheus targets), each with its version", response: config.configFilesResponseSchema, errors: [503] },
  "GET /api/config/files/{path}": {
    access: "viewer",
    summary: "One config file with its secrets masked, its version and its findings (path: workers/x.yaml or workers%2Fx.yaml); …/{path}/versions lists the versions history holds, …/{path}/versions/{version} opens one, masked",
    response: z.union([config.configFileViewSchema, config.fileVersionsSchema, config.fileAtVersionSchema]),
    errors: [400, 404, 422, 503],
  },
  "POST /api/config/files/{path}": {
    access: "admin",
    summary: "…/{path}/reveal {key}: the value of one secret of a config file, by dotted key path (an admin's explicit action, audited; the value is never logged)",
    body: json(config.revealRequestSchema),
    response: config.revealResponseSchema,
    revealsSecrets: true,
    errors: [400, 404, 413, 415],
  },
  "PUT /api/config/files/{path}": {
    access: "operator",
    summary: "Save a config file as an operation: 202 {operationId}, or 200 {unchanged: true}; 409 stale_base (details.current) when it changed since it was read; 422 with details.findings when the validator refuses it. Masked secrets («masked») are kept as they are on disk.",
    body: json(config.saveConfigRequestSchema, "file"),
    ...accepted,
    errors: [400, 404, 409, 413, 415, 422],
  },
  "POST /api/config/validate": { access: "viewer", summary: "Findings for a set of config files (the validator the editor runs per keystroke, authoritative on the server); nothing is written", body: json(config.validateConfigRequestSchema, "file"), response: config.validateConfigResponseSchema, readOnly: true, errors: [400, 413, 415] },
  "POST /api/config/plan": { access: "operator", summary: "What saving one config file would do (file diff, restarts and why), secrets masked; nothing is applied", body: json(config.planConfigRequestSchema, "file"), response: planSchema, errors: [400, 404, 409, 413, 415, 422] },
  // Administration: users, API tokens, the audit log.
  "GET /api/admin/users": { access: "admin", summary: "Every user (never a password hash)", response: z.array(admin.adminUserSchema) },
  "POST /api/admin/users": { access: "admin", summary: "Add a user; without a password one is generated and answered once", body: json(admin.createUserRequestSchema), response: admin.createdUserSchema, status: 201, errors: [400, 409, 413, 415] },
  "PATCH /api/admin/users/{name}": { access: "admin", summary: "Set a user's role or disable/enable them (disabling ends their sessions; the last admin stays)", body: json(admin.updateUserRequestSchema), response: admin.adminUserSchema, errors: [400, 404, 409, 413, 415] },
  "POST /api/admin/users/{name}/password": { access: "admin", summary: "Reset a user's password (generated when absent, answered once); ends their sessions", body: json(admin.resetPasswordRequestSchema), response: admin.resetPasswordResponseSchema, errors: [400, 404, 413, 415] },
  "GET /api/admin/tokens": { access: "admin", summary: "Every API token, with last use (never the secret)", response: z.array(admin.adminTokenSchema) },
  "POST /api/admin/tokens": { access: "admin", summary: "Create an API token; the secret is answered once", body: json(admin.createTokenRequestSchema), response: admin.createdTokenSchema, status: 201, errors: [400, 413, 415] },
  "DELETE /api/admin/tokens/{id}": { access: "admin", summary: "Revoke an API token", response: admin.adminTokenSchema, errors: [404] },
  "GET /api/admin/audit": { access: "admin", summary: "The audit log: every mutation and secret reveal, newest first (query: limit ≤ 500, before = an entry id)", response: admin.auditResponseSchema, errors: [400] },
} satisfies Record<`${HttpMethod} /api/${string}`, RouteSpec>;

export type RouteKey = keyof typeof routeTable;

/** The table's entries with their method and path split out. */
export function routeEntries(): Array<{ key: RouteKey; method: HttpMethod; path: string; spec: RouteSpec }> {
  return (Object.keys(routeTable) as RouteKey[]).map((key) => {
    const [method, path] = key.split(" ") as [HttpMethod, string];
    return { key, method, path, spec: routeTable[key] as RouteSpec };
  });
}

/** Mutations change state; reads do not. Mutations are audited and checked for origin. */
export function isMutation(method: string): boolean {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}
