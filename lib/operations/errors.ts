import { FleetError } from "@/lib/errors";

/** Another operation is applying to this deployment; the API answers 409 `operation_in_flight`. */
export class OperationConflictError extends FleetError {
  constructor(
    message: string,
    /** The operation that holds the deployment, when known (not sent: the message names it). */
    readonly runningOperationId: string | null = null,
  ) {
    super("conflict", message, { reason: "operation_in_flight" });
    this.name = "OperationConflictError";
  }
}
