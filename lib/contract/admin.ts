// Request and response bodies of the admin API (/api/admin/*): users, API tokens, the audit log.
// Browser-safe: the route handlers, the settings screens and the OpenAPI document share them.
import { z } from "zod";
import { roleSchema } from "@/lib/auth/roles";

export const usernameSchema = z.string().trim().toLowerCase().regex(/^[a-z0-9][a-z0-9._-]{0,63}$/, "1–64 of a-z 0-9 . _ -, starting with a letter or digit");
const password = z.string().min(10, "at least 10 characters").max(1024);

export const adminUserSchema = z.object({
  id: z.string(),
  username: z.string(),
  role: roleSchema,
  disabled: z.boolean(),
  createdAt: z.string(),
});
export type AdminUser = z.infer<typeof adminUserSchema>;

/** A user as lib/auth answers it, dates as Date; the API answers ISO strings. */
export function toAdminUser(u: { id: string; username: string; role: AdminUser["role"]; disabled: boolean; createdAt: Date }): AdminUser {
  return { id: u.id, username: u.username, role: u.role, disabled: u.disabled, createdAt: u.createdAt.toISOString() };
}

/** POST /api/admin/users: without a password, one is generated and answered once. */
export const createUserRequestSchema = z.object({ username: usernameSchema, role: roleSchema, password: password.optional() }).strict();
export const createdUserSchema = adminUserSchema.extend({ generatedPassword: z.string().optional() });
export type CreatedUser = z.infer<typeof createdUserSchema>;

/** PATCH /api/admin/users/{name}: role and/or disabled. */
export const updateUserRequestSchema = z
  .object({ role: roleSchema.optional(), disabled: z.boolean().optional() })
  .strict()
  .refine((v) => v.role !== undefined || v.disabled !== undefined, "give role or disabled");

/** POST /api/admin/users/{name}/password: a new password, or none to generate one (answered once). */
export const resetPasswordRequestSchema = z.object({ password: password.optional() }).strict();
export const resetPasswordResponseSchema = z.object({ username: z.string(), generatedPassword: z.string().optional() });
export type ResetPasswordResponse = z.infer<typeof resetPasswordResponseSchema>;

export const adminTokenSchema = z.object({
  id: z.string(),
  name: z.string(),
  prefix: z.string(),
  role: roleSchema,
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
export type AdminToken = z.infer<typeof adminTokenSchema>;

/** An API token's id as it appears in a path (a cuid). */
export const tokenIdSchema = z.string().regex(/^[a-z0-9]{1,64}$/, "a token id (lower-case letters and digits)");

type TokenDates = { createdAt: Date; lastUsedAt: Date | null; revokedAt: Date | null };
/** A token as lib/auth answers it, dates as Date; the API answers ISO strings (never the secret). */
export function toAdminToken(t: Omit<AdminToken, keyof TokenDates> & TokenDates): AdminToken {
  return {
    id: t.id,
    name: t.name,
    prefix: t.prefix,
    role: t.role,
    createdBy: t.createdBy,
    createdAt: t.createdAt.toISOString(),
    lastUsedAt: t.lastUsedAt?.toISOString() ?? null,
    revokedAt: t.revokedAt?.toISOString() ?? null,
  };
}

export const createTokenRequestSchema = z.object({ name: z.string().trim().min(1).max(100), role: roleSchema }).strict();
/** The secret is in this answer only. */
export const createdTokenSchema = adminTokenSchema.extend({ token: z.string() });
export type CreatedToken = z.infer<typeof createdTokenSchema>;

/** One audited action: who, what, when, from where, and how it ended. */
export const auditEntrySchema = z.object({
  id: z.string(),
  at: z.string(),
  actor: z.string(),
  actorKind: z.enum(["session", "token", "anonymous", "cli"]),
  action: z.string().describe("METHOD /api/path template, or a CLI verb"),
  target: z.string().nullable().describe("the resource acted on (worker, user, token id…)"),
  detail: z.string().nullable(),
  status: z.number().int().describe("HTTP status answered (0 for CLI actions)"),
  ip: z.string().nullable(),
});
export type AuditEntry = z.infer<typeof auditEntrySchema>;

/** GET /api/admin/audit query; unknown parameters are refused. */
export const auditQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  before: z.string().min(1).max(100).optional().describe("an entry id: answers the entries older than it"),
}).strict();
export const auditResponseSchema = z.array(auditEntrySchema);
