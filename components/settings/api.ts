"use client";

import type { AdminToken, AdminUser, AuditEntry, CreatedToken, CreatedUser, ResetPasswordResponse } from "@/lib/api/schemas/admin";
import type { Role } from "@/lib/auth/roles";
import { ApiRequestError } from "@/components/operations/api";

// The admin API as the settings screen calls it. Answers with secrets are never cached:
// they are shown once and dropped.

async function adminFetch<T>(url: string, init?: RequestInit): Promise<T> {
  const res = await fetch(url, { cache: "no-store", ...init, headers: { ...(init?.body ? { "Content-Type": "application/json" } : {}), ...init?.headers } });
  if (res.status === 401) {
    window.location.href = `/login?next=${encodeURIComponent(window.location.pathname)}`;
    throw new ApiRequestError(401, "unauthorized", "Signed out");
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
    const details = Array.isArray(body?.error?.details)
      ? (body.error.details as Array<{ path?: string; message?: string }>).map((d) => `${d.path ? `${d.path}: ` : ""}${d.message}`).join("; ")
      : "";
    const message = body?.error?.message ?? `Request failed (${res.status})`;
    throw new ApiRequestError(res.status, body?.error?.code ?? "internal", details ? `${message}: ${details}` : message);
  }
  return res.json() as Promise<T>;
}

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
