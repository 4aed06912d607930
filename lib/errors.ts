/**
 * The domain's one error type. Library code throws it with a code that says what the caller can do;
 * the API edge (lib/api/errors.ts) is the only place that turns a code into an HTTP status.
 * Subclasses (PlanError, ConfigFindingsError, UnsafeConfigPathError, OperationConflictError,
 * DockerUnavailableError …) only name a case and fill `details`; they are mapped like any other.
 * Browser-safe: no imports.
 */
export type FleetErrorCode =
  | "invalid"
  | "not_found"
  | "conflict"
  | "limit"
  | "unavailable"
  | "too_many_requests"
  // A conflict the caller resolves by reloading what it based its request on (a file version).
  // Its own code because the planner's callers test for it; on the wire it is a conflict.
  | "stale"
  // Well-formed, but its content breaks the deployment's rules (the validator's error findings).
  // "invalid" would say "fix the request's shape"; this says "fix what it asks for" (HTTP 422).
  | "unprocessable";

export class FleetError extends Error {
  constructor(
    readonly code: FleetErrorCode,
    message: string,
    /** Machine-readable facts for the caller, e.g. `{reason: "unreachable"}`. Never secrets. */
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = "FleetError";
  }
}
