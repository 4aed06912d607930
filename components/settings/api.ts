"use client";

import type { AdminToken, AdminUser, AuditEntry, CreatedToken, CreatedUser, ResetPasswordResponse } from "@/lib/contract/admin";
import type { Role } from "@/lib/auth/roles";
import { apiFetch as adminFetch } from "@/components/operations/api";

// The admin API as the settings screen calls it. Answers with secrets are never cached:
// they are shown once and dropped.

const send = (method: string, body?: unknown): RequestInit => ({ method, body: body === undefined ? undefined : JSON.stringify(body) });
const userUrl = (name: string) => `/api/admin/users/${encodeURIComponent(name)}`;

export const usersKey = ["admin", "users"] as const;
export const tokensKey = ["admin", "tokens"] as const;
export const auditKey = ["admin", "audit"] as const;

export function fetchUsers(): Promise<AdminUser[]> {
  return adminFetch("/api/admin/users");
}

/** Without a password the server generates one and answers it once. */
export function createUser(input: { username: string; role: Role; password?: string }): Promise<CreatedUser> {
  return adminFetch("/api/admin/users", send("POST", input));
}

export function updateUser(name: string, change: { role?: Role; disabled?: boolean }): Promise<AdminUser> {
  return adminFetch(userUrl(name), send("PATCH", change));
}

/** A generated password, answered once; the user's sessions end. */
export function resetPassword(name: string): Promise<ResetPasswordResponse> {
  return adminFetch(`${userUrl(name)}/password`, send("POST", {}));
}

export function fetchTokens(): Promise<AdminToken[]> {
  return adminFetch("/api/admin/tokens");
}

export function createToken(input: { name: string; role: Role }): Promise<CreatedToken> {
  return adminFetch("/api/admin/tokens", send("POST", input));
}

export function revokeToken(id: string): Promise<AdminToken> {
  return adminFetch(`/api/admin/tokens/${encodeURIComponent(id)}`, send("DELETE"));
}

export function fetchAudit(opts: { limit: number; before?: string }): Promise<AuditEntry[]> {
  const q = new URLSearchParams({ limit: String(opts.limit) });
  if (opts.before) q.set("before", opts.before);
  return adminFetch(`/api/admin/audit?${q}`);
}
