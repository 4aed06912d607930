import "server-only";
import { AuthError, type AuthErrorCode } from "@/lib/auth";
import { ApiError, type ErrorCode } from "./errors";

// lib/auth throws AuthError and knows nothing of HTTP; the admin routes answer these codes.
const HTTP_CODE: Record<AuthErrorCode, ErrorCode> = {
  invalid_input: "bad_request",
  invalid_credentials: "unauthorized",
  throttled: "too_many_requests",
  conflict: "conflict",
  not_found: "not_found",
};

/** The API error an auth failure answers as; anything else is passed through unchanged. */
export function toApiError(err: unknown): unknown {
  return err instanceof AuthError ? new ApiError(HTTP_CODE[err.code], err.message) : err;
}

/** Runs an auth call, turning its AuthError into the matching ApiError. */
export async function withAuthErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw toApiError(err);
  }
}
