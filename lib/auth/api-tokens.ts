import "server-only";
import { z } from "zod";
import { getDb, type ApiToken } from "@/lib/db";
import { credentialsChanged } from "./credential-events";
import { AuthError } from "./errors";
import { isRole, type Role } from "./roles";
import { randomSecret, sha256Hex } from "./secrets";
import { parseRole } from "./users";

export const API_TOKEN_PREFIX = "sf_";
/** `sf_` + 32 random bytes in base64url. */
export const API_TOKEN_PATTERN = /^sf_[A-Za-z0-9_-]{43}$/;
const DISPLAY_PREFIX_LENGTH = 10;
const TOUCH_INTERVAL_MS = 60_000;

const tokenNameSchema = z.string().trim().min(1, "Token name must not be empty").max(100, "Token name: at most 100 characters");

/** A token as listed: never the secret or its hash. */
export interface PublicApiToken {
  id: string;
  name: string;
  prefix: string;
  role: Role;
  createdBy: string | null;
  createdAt: Date;
  lastUsedAt: Date | null;
  revokedAt: Date | null;
}

function toPublicToken(t: ApiToken): PublicApiToken {
  if (!isRole(t.role)) throw new Error(`API token ${t.id} has an unknown role "${t.role}" in the database`);
  const { id, name, prefix, createdBy, createdAt, lastUsedAt, revokedAt } = t;
  return { id, name, prefix, role: t.role, createdBy, createdAt, lastUsedAt, revokedAt };
}

export function generateApiToken(): string {
  return API_TOKEN_PREFIX + randomSecret(32);
}

/** Creates a token; `token` is the only time the secret is available. */
export async function createApiToken(input: {
  role: Role | string;
  name?: string;
  createdBy?: string | null;
}): Promise<PublicApiToken & { token: string }> {
  const role = parseRole(input.role);
  const parsedName = tokenNameSchema.safeParse(input.name ?? `${role} token`);
  if (!parsedName.success) throw new AuthError("invalid_input", parsedName.error.issues[0].message);
  const token = generateApiToken();
  const db = await getDb();
  const row = await db.apiToken.create({
    data: {
      name: parsedName.data,
      role,
      tokenHash: sha256Hex(token),
      prefix: token.slice(0, DISPLAY_PREFIX_LENGTH),
      createdBy: input.createdBy ?? null,
    },
  });
  return { ...toPublicToken(row), token };
}

/** Revokes a token by id (idempotent); unknown ids are an error. */
export async function revokeApiToken(id: string, now = new Date()): Promise<PublicApiToken> {
  const db = await getDb();
  const row = await db.apiToken.findUnique({ where: { id } });
  if (!row) throw new AuthError("not_found", `No API token ${id}`);
  if (row.revokedAt) return toPublicToken(row);
  const revoked = toPublicToken(await db.apiToken.update({ where: { id }, data: { revokedAt: now } }));
  credentialsChanged();
  return revoked;
}

/** All tokens, newest first, revoked ones included. */
export async function listApiTokens(): Promise<PublicApiToken[]> {
  const db = await getDb();
  return (await db.apiToken.findMany({ orderBy: { createdAt: "desc" } })).map(toPublicToken);
}

/** Resolves a presented bearer token to its live (unrevoked) record, noting when it was used. */
export async function verifyApiToken(token: string, now = new Date()): Promise<PublicApiToken | null> {
  if (!API_TOKEN_PATTERN.test(token)) return null;
  const db = await getDb();
  const row = await db.apiToken.findUnique({ where: { tokenHash: sha256Hex(token) } });
  if (!row || row.revokedAt || !isRole(row.role)) return null;
  if (!row.lastUsedAt || now.getTime() - row.lastUsedAt.getTime() >= TOUCH_INTERVAL_MS) {
    await db.apiToken.updateMany({ where: { id: row.id }, data: { lastUsedAt: now } });
  }
  return toPublicToken(row);
}
