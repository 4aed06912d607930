import "server-only";
import { getDb } from "@/lib/db";
import { AuthError } from "./errors";
import { dummyPasswordHash, verifyPassword } from "./password";
import { isRole, type Role } from "./roles";
import { Semaphore, SemaphoreFullError } from "./semaphore";
import { createSession, deleteSession } from "./sessions";
import { clearFailures, lockedFor, recordFailure, throttleKeys } from "./throttle";
import { usernameSchema } from "./users";

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: { id: string; username: string; role: Role };
}

const GENERIC_FAILURE = "Invalid username or password";

// Each verification holds ~32 MiB of scrypt memory for tens of milliseconds: two at a time,
// a short queue, and a flood beyond that is refused before it costs anything.
export const VERIFY_CONCURRENCY = 2;
export const VERIFY_QUEUE = 16;
const verifications = new Semaphore(VERIFY_CONCURRENCY, VERIFY_QUEUE);

/** The gate every password check of a sign-in passes (exposed for tests and load reports). */
export function loginVerificationLoad(): { running: number; waiting: number } {
  return verifications.load;
}

/**
 * Checks credentials and starts a session. Every failure looks the same to the caller
 * (unknown user, wrong password, disabled account) and costs one scrypt. Failures are
 * counted per (name, address), per name and per address (lib/auth/throttle.ts); a refused
 * attempt is "throttled" with the seconds to wait, and costs no scrypt.
 * `ip` is the client address the server decided on (clientIp), or null when unknown.
 */
export async function login(username: string, password: string, ip: string | null): Promise<LoginResult> {
  const name = username.trim().toLowerCase();
  const db = await getDb();
  const user = usernameSchema.safeParse(name).success ? await db.user.findUnique({ where: { username: name } }) : null;
  const keys = throttleKeys(name, ip, user !== null);
  const wait = await lockedFor(keys);
  if (wait > 0) {
    throw new AuthError("throttled", "Too many failed sign-in attempts; try again later", Math.ceil(wait / 1000));
  }
  let passwordOk: boolean;
  try {
    const hash = user?.passwordHash ?? (await dummyPasswordHash());
    passwordOk = await verifications.run(() => verifyPassword(password, hash));
  } catch (err) {
    if (err instanceof SemaphoreFullError) throw new AuthError("throttled", "Too many sign-in attempts at once; try again shortly", 1);
    throw err;
  }
  if (!user || !passwordOk || user.disabled || !isRole(user.role)) {
    await recordFailure(keys);
    throw new AuthError("invalid_credentials", GENERIC_FAILURE);
  }
  // Only this (name, address) pair: a success must not wash out failures counted against the
  // name or the address by others.
  await clearFailures(keys.filter((k) => k.kind === "pair"));
  const { token, expiresAt } = await createSession(user.id);
  return { token, expiresAt, user: { id: user.id, username: user.username, role: user.role } };
}

/** Ends the session of a cookie token. */
export async function logout(token: string): Promise<void> {
  await deleteSession(token);
}
