import "server-only";
import type { AuditEntry } from "@/lib/api/schemas/admin";

/** What one audited action records (the id and time are added when it is stored). */
export type AuditRecord = Omit<AuditEntry, "id" | "at">;

/**
 * Records one audited action. Placeholder until the audit store lands; the signature is the
 * contract the API edge and the CLI call.
 */
export async function recordAudit(entry: AuditRecord): Promise<void> {
  void entry;
}

/** Audit entries, newest first. */
export async function listAudit(opts: { limit: number; before?: string }): Promise<AuditEntry[]> {
  void opts;
  return [];
}
