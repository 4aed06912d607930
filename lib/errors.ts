/**
 * The domain's one error type. Library code throws it with a code that says what the caller can do;
 * the API edge (lib/api/errors.ts) is the only place that turns a code into an HTTP status.
 * Browser-safe: no imports.
 */
export type FleetErrorCode = "invalid" | "not_found" | "conflict" | "limit" | "unavailable" | "too_many_requests";

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
