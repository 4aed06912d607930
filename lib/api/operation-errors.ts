import "server-only";
import { UnsafeConfigPathError } from "@/lib/fs/safe";
import { expectedFingerprint, OperationConflictError, type PreviewedPlan } from "@/lib/operations";
import { ConfigFindingsError, PlanError } from "@/lib/synapse/plan-schema";
import { maskValue } from "@/lib/synapse/secrets";
import { ApiError, type ErrorCode } from "./errors";

const planErrorCodes: Record<PlanError["code"], ErrorCode> = {
  invalid: "bad_request",
  conflict: "conflict",
  not_found: "not_found",
  limit: "conflict",
  stale: "conflict",
};

/** Turns the planner's and the executor's refusals into API errors; anything else is rethrown as is. */
export function toOperationApiError(err: unknown): unknown {
  // A planner message may quote a line of a config file (a YAML error does): masked like everything sent.
  if (err instanceof PlanError && err.code === "stale") return new ApiError("conflict", err.message, { reason: "stale_base", ...err.details });
  if (err instanceof PlanError) return new ApiError(planErrorCodes[err.code], maskValue(err.message), { reason: err.code });
  if (err instanceof ConfigFindingsError) return new ApiError("unprocessable", maskValue(err.message), { reason: "findings", findings: err.findings });
  // A link or a non-regular file planted in the config dir: the deployment cannot be changed safely.
  if (err instanceof UnsafeConfigPathError) return new ApiError("bad_request", err.message, { reason: "unsafe_path" });
  if (err instanceof OperationConflictError) return new ApiError("conflict", err.message, { reason: "operation_in_flight" });
  return err;
}

/** Runs one facade call and maps its typed errors to HTTP. */
export async function withOperationErrors<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toOperationApiError(err);
  }
}

/** A started operation: 202 Accepted with the id to follow. */
export function accepted(body: { operationId: string }): Response {
  return Response.json(body, { status: 202, headers: { Location: `/api/operations/${encodeURIComponent(body.operationId)}` } });
}

/** A previewed plan, its fingerprint as the ETag an apply may send back in If-Match. */
export function previewed(p: PreviewedPlan): Response {
  return Response.json(p.plan, { headers: { ETag: `"${p.fingerprint}"` } });
}

/** The plan fingerprint an apply was confirmed on (If-Match), or null: apply whatever plans now. */
export function confirmedOn(req: Request): { expect: string | null } {
  return { expect: expectedFingerprint(req.headers.get("if-match")) };
}
