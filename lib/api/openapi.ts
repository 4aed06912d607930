import "server-only";
import { z } from "zod";
import { errorBodySchema } from "./errors";
import { BODY_LIMITS, routeEntries } from "./routes";

const statusText: Record<number, string> = {
  400: "Invalid request",
  401: "Not signed in",
  403: "Role or origin not allowed",
  404: "Not found",
  409: "Conflict",
  413: "Request body too large",
  415: "Request body is not JSON",
  422: "Refused by a validation rule",
  429: "Too many attempts or streams",
  503: "Unavailable",
};

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: "any", io: "output" });
}

/** The OpenAPI 3.1 description, generated from the route table and its zod schemas. */
export function openApiDocument(): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path, spec } of routeEntries()) {
    const errors = new Set(spec.errors ?? []);
    if (spec.access !== "public") {
      errors.add(401);
      errors.add(403);
    }
    const status = spec.status ?? 200;
    const plainText = spec.responseType === "text/yaml" || spec.responseType === "text/plain";
    const responses: Record<string, unknown> = {
      [String(status)]: {
        description: status === 202 ? "Accepted: the operation runs on" : status === 201 ? "Created" : "OK",
        ...(spec.response || spec.responseType
          ? { content: { [spec.responseType ?? "application/json"]: { schema: spec.response ? jsonSchema(spec.response) : plainText ? { type: "string" } : {} } } }
          : {}),
      },
    };
    for (const code of [...errors].sort()) {
      responses[String(code)] = { description: statusText[code] ?? "Error", content: { "application/json": { schema: jsonSchema(errorBodySchema) } } };
    }
    paths[path] ??= {};
    paths[path][method.toLowerCase()] = {
      summary: spec.summary,
      "x-required-role": spec.access,
      ...(spec.revealsSecrets ? { "x-audited": true } : {}),
      security: spec.access === "public" ? [] : [{ session: [] }, { bearer: [] }],
      ...(spec.body
        ? { requestBody: { required: true, description: `JSON, at most ${BODY_LIMITS[spec.body.limit]} bytes`, content: { "application/json": { schema: jsonSchema(spec.body.schema) } } } }
        : {}),
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
