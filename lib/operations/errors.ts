/** Another operation is applying to this deployment; the API answers 409. */
export class OperationConflictError extends Error {
  constructor(
    message: string,
    readonly runningOperationId: string | null = null,
  ) {
    super(message);
    this.name = "OperationConflictError";
  }
}
