import "server-only";
import { z } from "zod";
import { getDb, Prisma, type Db, type User } from "@/lib/db";
import { credentialsChanged } from "./credential-events";
import { AuthError } from "./errors";
import { assertAcceptablePassword, generatePassword, hashPassword, verifyPassword } from "./password";
import { isRole, roleSchema, type Role } from "./roles";

export const usernameSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "Username: 1–64 of a-z 0-9 . _ -, starting with a letter or digit");

/** A user as shown to operators: never the password hash. */
export interface PublicUser {
  id: string;
  username: string;
  role: Role;
  disabled: boolean;
  createdAt: Date;
}

export function toPublicUser(u: User): PublicUser {
  if (!isRole(u.role)) throw new Error(`User ${u.username} has an unknown role "${u.role}" in the database`);
  return { id: u.id, username: u.username, role: u.role, disabled: u.disabled, createdAt: u.createdAt };
}

export function parseUsername(username: string): string {
  const parsed = usernameSchema.safeParse(username);
  if (!parsed.success) throw new AuthError("invalid_input", parsed.error.issues[0].message);
  return parsed.data;
}

export function parseRole(role: string): Role {
  const parsed = roleSchema.safeParse(role);
  if (!parsed.success) throw new AuthError("invalid_input", `Role must be one of viewer, operator, admin`);
  return parsed.data;
}

function isUniqueViolation(err: unknown): boolean {
  return err instanceof Prisma.PrismaClientKnownRequestError && err.code === "P2002";
}

/** Creates a user; the username is stored lower-case. */
export async function createUser(input: { username: string; password: string; role: Role | string }): Promise<PublicUser> {
  const username = parseUsername(input.username);
  const role = parseRole(input.role);
  assertAcceptablePassword(input.password);
  const passwordHash = await hashPassword(input.password);
  const db = await getDb();
  try {
    return toPublicUser(await db.user.create({ data: { username, role, passwordHash } }));
  } catch (err) {
    if (isUniqueViolation(err)) throw new AuthError("conflict", `User ${username} already exists`);
    throw err;
  }
}

/**
 * Replaces a user's password and ends that user's sessions, all of them or all but
 * `keepSessionId` (a self-service change keeps the session it was made from).
 */
export async function setPassword(username: string, password: string, opts: { keepSessionId?: string } = {}): Promise<PublicUser> {
  const name = parseUsername(username);
  assertAcceptablePassword(password);
  const passwordHash = await hashPassword(password);
  const db = await getDb();
  const user = await db.user.findUnique({ where: { username: name } });
  if (!user) throw new AuthError("not_found", `No user ${name}`);
  const others = opts.keepSessionId ? { userId: user.id, id: { not: opts.keepSessionId } } : { userId: user.id };
  const [updated] = await db.$transaction([
    db.user.update({ where: { id: user.id }, data: { passwordHash } }),
    db.session.deleteMany({ where: others }),
  ]);
  credentialsChanged();
  return toPublicUser(updated);
}

/** All users, oldest first. */
export async function listUsers(): Promise<PublicUser[]> {
  const db = await getDb();
  return (await db.user.findMany({ orderBy: { createdAt: "asc" } })).map(toPublicUser);
}

export type EnsureAdminResult =
  | { action: "created"; username: "admin"; generatedPassword?: string }
  | { action: "updated"; username: "admin" }
  | { action: "unchanged"; username: "admin" };

/**
 * Makes sure someone can sign in as admin (demo and first start). With a password (default:
 * FLEET_ADMIN_PASSWORD) user `admin` gets it, created or updated. Without one, `admin` is
 * created with a generated password, returned once for the caller to print, but only when no
 * admin exists at all. A changed password ends all of admin's sessions.
 */
export async function ensureAdmin(opts: { password?: string } = {}): Promise<EnsureAdminResult> {
  const password = opts.password ?? (process.env.FLEET_ADMIN_PASSWORD || undefined);
  const db = await getDb();
  const existing = await db.user.findUnique({ where: { username: "admin" } });
  if (password !== undefined) {
    if (!existing) {
      await createUser({ username: "admin", password, role: "admin" });
      return { action: "created", username: "admin" };
    }
    assertAcceptablePassword(password);
    // Restarting the demo with the same FLEET_ADMIN_PASSWORD changes nothing, so it signs no one out.
    if (existing.role === "admin" && !existing.disabled && (await verifyPassword(password, existing.passwordHash))) {
      return { action: "unchanged", username: "admin" };
    }
    const passwordHash = await hashPassword(password);
    await db.$transaction([
      db.user.update({ where: { id: existing.id }, data: { passwordHash, role: "admin", disabled: false } }),
      db.session.deleteMany({ where: { userId: existing.id } }),
    ]);
    credentialsChanged();
    return { action: "updated", username: "admin" };
  }
  const anyAdmin = await db.user.findFirst({ where: { role: "admin", disabled: false } });
  if (anyAdmin) return { action: "unchanged", username: "admin" };
  if (existing) {
    throw new AuthError("conflict", "No enabled admin exists and user admin is not one; set FLEET_ADMIN_PASSWORD to reset it");
  }
  const generatedPassword = generatePassword();
  await createUser({ username: "admin", password: generatedPassword, role: "admin" });
  return { action: "created", username: "admin", generatedPassword };
}

type Tx = Parameters<Parameters<Db["$transaction"]>[0]>[0];

/**
 * Applies a change to one user inside a serializable transaction, then refuses it (rolling
 * it back) if no enabled admin would remain: nobody could then manage users over HTTP.
 */
async function changeUser(username: string, data: { role?: Role; disabled?: boolean }, what: string): Promise<PublicUser> {
  const name = parseUsername(username);
  const db = await getDb();
  const changed = await db.$transaction(
    async (tx: Tx) => {
      const user = await tx.user.findUnique({ where: { username: name } });
      if (!user) throw new AuthError("not_found", `No user ${name}`);
      const wasEnabledAdmin = user.role === "admin" && !user.disabled;
      const updated = await tx.user.update({ where: { id: user.id }, data });
      // Only taking away an enabled admin can leave none; other changes never need one to exist.
      if (wasEnabledAdmin && (await tx.user.count({ where: { role: "admin", disabled: false } })) === 0) {
        throw new AuthError("conflict", `Cannot ${what} ${name}: it is the last enabled admin`);
      }
      if (data.disabled) await tx.session.deleteMany({ where: { userId: user.id } });
      return toPublicUser(updated);
    },
    { isolationLevel: Prisma.TransactionIsolationLevel.Serializable },
  );
  credentialsChanged(); // a role or a disabled flag ends the streams opened under the old one
  return changed;
}

/** Gives a user another role; the last enabled admin cannot be demoted. */
export async function setUserRole(username: string, role: Role | string): Promise<PublicUser> {
  const parsed = parseRole(role);
  return changeUser(username, { role: parsed }, "demote");
}

/** Disables (ending all of that user's sessions) or re-enables a user; the last enabled admin cannot be disabled. */
export async function setUserDisabled(username: string, disabled: boolean): Promise<PublicUser> {
  return changeUser(username, { disabled }, "disable");
}
