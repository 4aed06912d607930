import "server-only";
import { z } from "zod";
import { errorBodySchema } from "./errors";
import { liveEventSchema, topologySchema } from "./schemas/topology";
import * as auth from "./schemas/auth";

type Access = "public" | "viewer" | "operator" | "admin";

interface Operation {
  method: "get" | "post" | "put" | "patch" | "delete";
  path: string;
  summary: string;
  access: Access;
  request?: z.ZodType;
  response?: z.ZodType;
  responseType?: "application/json" | "text/event-stream";
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
      "200": {
        description: "OK",
        ...(op.response || op.responseType ? { content: { [op.responseType ?? "application/json"]: { schema: op.response ? jsonSchema(op.response) : {} } } } : {}),
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
