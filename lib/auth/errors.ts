import "server-only";

/** What went wrong in an auth operation; route handlers turn these into HTTP statuses. */
export type AuthErrorCode = "invalid_input" | "invalid_credentials" | "throttled" | "conflict" | "not_found";

export class AuthError extends Error {
  constructor(
    readonly code: AuthErrorCode,
    message: string,
    /** For "throttled": seconds until another attempt is allowed. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = "AuthError";
  }
}
