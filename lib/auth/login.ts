import "server-only";
import { getDb } from "@/lib/db";
import { AuthError } from "./errors";
import { dummyPasswordHash, verifyPassword } from "./password";
import { isRole, type Role } from "./roles";
import { createSession, deleteSession } from "./sessions";
import { clearFailures, lockedFor, recordFailure, throttleKeys } from "./throttle";
import { usernameSchema } from "./users";

export interface LoginResult {
  token: string;
  expiresAt: Date;
  user: { id: string; username: string; role: Role };
}

const GENERIC_FAILURE = "Invalid username or password";

/**
 * Checks credentials and starts a session. Every failure looks the same to the caller
 * (unknown user, wrong password, disabled account) and costs one scrypt; repeated failures
 * per username or per client address are refused for a while ("throttled").
 */
export async function login(username: string, password: string, ip: string | null): Promise<LoginResult> {
  const name = username.trim().toLowerCase();
  const keys = throttleKeys(name, ip);
  const wait = await lockedFor(keys);
  if (wait > 0) {
    throw new AuthError("throttled", "Too many failed sign-in attempts; try again later", Math.ceil(wait / 1000));
  }
  const db = await getDb();
  const user = usernameSchema.safeParse(name).success ? await db.user.findUnique({ where: { username: name } }) : null;
  const passwordOk = await verifyPassword(password, user?.passwordHash ?? (await dummyPasswordHash()));
  if (!user || !passwordOk || user.disabled || !isRole(user.role)) {
    await recordFailure(keys);
    throw new AuthError("invalid_credentials", GENERIC_FAILURE);
  }
  // Only the username's counter: a success must not wash out failures from the same address.
  await clearFailures([keys[0]]);
  const { token, expiresAt } = await createSession(user.id);
  return { token, expiresAt, user: { id: user.id, username: user.username, role: user.role } };
}

/** Ends the session of a cookie token. */
export async function logout(token: string): Promise<void> {
  await deleteSession(token);
}
