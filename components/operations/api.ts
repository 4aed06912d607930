"use client";

import type { OperationAccepted } from "@/lib/contract/operations";
import type { Intent, Operation, Plan } from "@/lib/synapse/plan-schema";

/** An API refusal, with the server's message in the operator's words. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super(message);
    this.name = "ApiRequestError";
  }
}

/** A plan as previewed, with the fingerprint (the answer's ETag) an apply sends back to get exactly it. */
export interface PreviewedPlan {
  plan: Plan;
  fingerprint: string | null;
}

/** The new plan a 409 `plan_changed` carries: the deployment moved between preview and apply. */
export function changedPlan(err: unknown): PreviewedPlan | null {
  if (!(err instanceof ApiRequestError)) return null;
  const details = err.details;
  if (err.status !== 409 || details?.reason !== "plan_changed" || !details.plan) return null;
  return { plan: details.plan as Plan, fingerprint: typeof details.fingerprint === "string" ? details.fingerprint : null };
}

/** The ETag of a preview, unquoted. */
export function fingerprintOf(res: Response): string | null {
  return res.headers.get("etag")?.replace(/^W\//, "").replace(/^"(.*)"$/, "$1") || null;
}

/** The If-Match header that applies only the plan previewed. */
export function ifMatch(fingerprint: string | null | undefined): Record<string, string> {
  return fingerprint ? { "If-Match": `"${fingerprint}"` } : {};
}

/** Makes the error a refusal is thrown as: `message` is the server's, `details` its raw details. */
export type RefusalFactory = (status: number, code: string, message: string, details: unknown) => ApiRequestError;

/** A refusal as ApiRequestError: validation issues (a list) are spelled out in the message, a details object kept. */
const plainRefusal: RefusalFactory = (status, code, message, details) => {
  const issues = Array.isArray(details) ? (details as Array<{ path?: string; message?: string }>).map((d) => `${d.path ? `${d.path}: ` : ""}${d.message}`).join("; ") : "";
  return new ApiRequestError(status, code, issues ? `${message}: ${issues}` : message, detailsRecord(details));
};

/** A details object, or null (a list of issues is not one). */
export function detailsRecord(details: unknown): Record<string, unknown> | null {
  return details && typeof details === "object" && !Array.isArray(details) ? (details as Record<string, unknown>) : null;
}

/** The console's one fetch: JSON in and out, a 401 goes to sign-in, a refusal becomes ApiRequestError. */
export async function apiFetch<T>(url: string, init?: RequestInit): Promise<T> {
  return (await apiFetchResponse<T>(url, init)).body;
}

/** apiFetch with the answer itself (a preview's ETag); `refusal` makes a screen's own error type. */
export async function apiFetchResponse<T>(url: string, init?: RequestInit, refusal: RefusalFactory = plainRefusal): Promise<{ body: T; res: Response }> {
  const res = await fetch(url, { cache: "no-store", ...init, headers: { ...(init?.body ? { "Content-Type": "application/json" } : {}), ...init?.headers } });
  if (res.status === 401) {
    window.location.href = `/login?next=${encodeURIComponent(window.location.pathname + window.location.search)}`;
    throw refusal(401, "unauthorized", "Signed out", null);
  }
  if (!res.ok) {
    const body = (await res.json().catch(() => null)) as { error?: { code?: string; message?: string; details?: unknown } } | null;
    throw refusal(res.status, body?.error?.code ?? "internal", body?.error?.message ?? `Request failed (${res.status})`, body?.error?.details);
  }
  return { body: (await res.json()) as T, res };
}

/** The route that carries out an intent; each mutation has its own resource-shaped URL. */
export function intentRequest(intent: Intent): { method: "POST" | "PUT" | "DELETE"; url: string; body?: unknown } {
  const worker = (name: string) => `/api/workers/${encodeURIComponent(name)}`;
  switch (intent.kind) {
    case "add_worker":
      return { method: "POST", url: "/api/workers", body: { type: intent.type, name: intent.name, port: intent.port, resources: intent.resources } };
    case "remove_worker":
      return { method: "DELETE", url: worker(intent.name) };
    case "start":
    case "stop":
    case "restart":
      return { method: "POST", url: `${worker(intent.name)}/${intent.kind}` };
    case "scale":
      return { method: "PUT", url: "/api/workers/scale", body: { type: intent.type, count: intent.count } };
    case "preset":
      return { method: "PUT", url: "/api/workers/scale", body: { preset: intent.preset } };
    case "rollback_to_single_process":
      return { method: "POST", url: "/api/rollback-to-single-process" };
    case "restore_workers":
      return { method: "POST", url: "/api/restore-workers" };
    case "restore":
      return { method: "POST", url: `/api/history/${encodeURIComponent(intent.operationId)}/restore`, body: { point: intent.point } };
    case "edit_files":
      // Its contents are not in the intent: the config editor saves with PUT /api/config/files/{path}.
      throw new Error("a config edit is saved by the config editor, with its content");
  }
}

/** What the intent would change; nothing is applied. */
export async function previewPlan(intent: Intent): Promise<PreviewedPlan> {
  const { body, res } = await apiFetchResponse<Plan>("/api/plans", { method: "POST", body: JSON.stringify({ intent }) });
  return { plan: body, fingerprint: fingerprintOf(res) };
}

/**
 * Starts the operation; the answer comes before the work is done. With the preview's fingerprint,
 * the server applies that plan or refuses with 409 `plan_changed` and the new one (see changedPlan).
 */
export function startIntent(intent: Intent, fingerprint?: string | null): Promise<OperationAccepted> {
  const r = intentRequest(intent);
  return apiFetch<OperationAccepted>(r.url, { method: r.method, headers: ifMatch(fingerprint), body: r.body === undefined ? undefined : JSON.stringify(r.body) });
}

export function fetchOperation(id: string): Promise<Operation> {
  return apiFetch<Operation>(`/api/operations/${encodeURIComponent(id)}`);
}

export function fetchHistory(opts: { limit: number; before?: string }): Promise<Operation[]> {
  const q = new URLSearchParams({ limit: String(opts.limit) });
  if (opts.before) q.set("before", opts.before);
  return apiFetch<Operation[]>(`/api/history?${q}`);
}

export const historyKey = ["history"] as const;
export const operationKey = (id: string) => ["operation", id] as const;
