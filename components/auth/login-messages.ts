// What the sign-in screen says when a sign-in fails. Pure and browser-safe: the server renders it
// after a form post without JavaScript (/login?error=…), the form shows it after a fetch.

/** Why a sign-in was refused, as the form post's redirect names it in `?error=`. */
export type LoginFailure = "invalid" | "incomplete" | "throttled" | "unavailable";

const FAILURES: readonly LoginFailure[] = ["invalid", "incomplete", "throttled", "unavailable"];

/** The code in `?error=`, or null for anything else (the page never echoes what the URL says). */
export function loginFailureOf(value: string | string[] | undefined): LoginFailure | null {
  const v = Array.isArray(value) ? value[0] : value;
  return typeof v === "string" && (FAILURES as readonly string[]).includes(v) ? (v as LoginFailure) : null;
}

/** Seconds from a Retry-After value or `?retry=`: a whole number up to a day, else the throttle's 15 minutes. */
export function retryAfterSeconds(value: string | string[] | null | undefined): number {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== "string" || !/^\d{1,6}$/.test(v)) return 900;
  return Math.min(Number(v), 86_400);
}

/** The sentence shown for a failure; `retrySeconds` only matters when throttled. */
export function loginFailureMessage(failure: LoginFailure, retrySeconds = 900): string {
  switch (failure) {
    case "invalid":
      return "Invalid username or password.";
    case "incomplete":
      return "Enter a username and a password.";
    case "throttled": {
      const minutes = Math.max(1, Math.ceil(retrySeconds / 60));
      return `Too many failed attempts. Try again in ${minutes} minute${minutes === 1 ? "" : "s"}.`;
    }
    case "unavailable":
      return "Synapse Fleet cannot sign you in right now. Try again shortly.";
  }
}

/** Which failure an HTTP status from POST /api/auth/login means; null for statuses the form does not explain. */
export function loginFailureForStatus(status: number): LoginFailure | null {
  if (status === 401) return "invalid";
  if (status === 400) return "incomplete";
  if (status === 429) return "throttled";
  if (status >= 500) return "unavailable";
  return null;
}
