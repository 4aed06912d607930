import "server-only";
import { z } from "zod";
import { isDatabaseUnreachable } from "@/lib/db/unreachable";
import { FleetError, type FleetErrorCode } from "@/lib/errors";
import { logSafely } from "@/lib/log";
import { maskValue } from "@/lib/synapse/secrets";
import { jsonResponse } from "./json";

/** Every error an API route may answer with; the code says what the caller can do about it. */
export const errorCodes = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unprocessable: 422,
  too_many_requests: 429,
  unavailable: 503,
  internal: 500,
} as const;

export type ErrorCode = keyof typeof errorCodes;

export class ApiError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = "ApiError";
  }
  get status(): number {
    return errorCodes[this.code];
  }
}

export const errorBodySchema = z.object({
  error: z.object({ code: z.enum(Object.keys(errorCodes) as [ErrorCode, ...ErrorCode[]]), message: z.string(), details: z.unknown().optional() }),
});

/** The one table from the domain's codes to HTTP. */
const fleetErrorCodes: Record<FleetErrorCode, ErrorCode> = {
  invalid: "bad_request",
  not_found: "not_found",
  conflict: "conflict",
  limit: "conflict",
  unavailable: "unavailable",
  too_many_requests: "too_many_requests",
  stale: "conflict",
  unprocessable: "unprocessable",
};

/** The reason a code answers with when the error names none: clients tell a stale base from other conflicts by it. */
const defaultReasons: Partial<Record<FleetErrorCode, string>> = { stale: "stale_base" };

/** The JSON error body and status a FleetError answers with. */
function fleetErrorResponse(err: FleetError): Response {
  const code = fleetErrorCodes[err.code];
  const reason = defaultReasons[err.code];
  const details = reason !== undefined && err.details?.reason === undefined ? { reason, ...err.details } : err.details;
  // A message may quote a line of a config file (a planner's YAML error does): masked like everything sent.
  return jsonResponse({ error: { code, message: maskValue(err.message), details } }, { status: errorCodes[code] });
}

/**
 * Maps any thrown value to a JSON error response; unknown errors are logged, not leaked. The one
 * place errors become HTTP: routes call library code directly and let its errors through.
 */
export function handleApiError(err: unknown): Response {
  if (err instanceof FleetError) return fleetErrorResponse(err);
  if (err instanceof ApiError) {
    // A 413 answers before the body is read (or while it still arrives): the connection cannot carry
    // another request, and a client that sent one on it would have that one reset.
    const headers = err.status === 413 ? { Connection: "close" } : undefined;
    return jsonResponse({ error: { code: err.code, message: err.message, details: err.details } }, { status: err.status, headers });
  }
  if (err instanceof z.ZodError) {
    return jsonResponse(
      { error: { code: "bad_request", message: "Invalid request", details: err.issues.map((i) => ({ path: i.path.join("."), message: i.message })) } },
      { status: 400 },
    );
  }
  if (isDatabaseUnreachable(err)) {
    logSafely("[api] the dashboard's database is unreachable:", err);
    return jsonResponse(
      { error: { code: "unavailable", message: "The dashboard's database is unreachable; try again once it is back", details: { reason: "database_unreachable" } } },
      { status: 503 },
    );
  }
  logSafely("[api] unexpected error:", err);
  return jsonResponse({ error: { code: "internal", message: "Internal error" } }, { status: 500 });
}
