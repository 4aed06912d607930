"use client";

import type { z } from "zod";
import type { configFileEntrySchema, ConfigFileViewResponse, findingSchema } from "@/lib/contract/config";
import type { OperationAccepted } from "@/lib/contract/operations";
import type { Plan } from "@/lib/synapse/plan-schema";
import { apiFetchResponse, ApiRequestError, detailsRecord, fingerprintOf, ifMatch, type PreviewedPlan } from "@/components/operations/api";

export type ConfigFileEntry = z.infer<typeof configFileEntrySchema>;
export type ConfigFileView = ConfigFileViewResponse;
export type ServerFinding = z.infer<typeof findingSchema>;

/** A config route's refusal with its details kept: the editor acts on stale_base and findings. */
export class ConfigRequestError extends ApiRequestError {
  constructor(
    status: number,
    code: string,
    message: string,
    details: Record<string, unknown> | null,
  ) {
    super(status, code, message, details);
    this.name = "ConfigRequestError";
  }

  /** The file changed on disk since it was opened (409 stale_base). */
  get stale(): boolean {
    return this.status === 409 && this.details?.reason === "stale_base";
  }

  /** The validator's error findings behind a 422, if that is what this is. */
  get findings(): ServerFinding[] {
    return this.status === 422 && Array.isArray(this.details?.findings) ? (this.details.findings as ServerFinding[]) : [];
  }
}

/**
 * The config routes' fetch: the console's, with refusals as ConfigRequestError, their details kept
 * (the editor acts on stale_base and findings) and the server's message as it is.
 */
async function configFetch<T>(url: string, init?: RequestInit): Promise<{ status: number; body: T; res: Response }> {
  const { body, res } = await apiFetchResponse<T>(url, init, (status, code, message, details) => new ConfigRequestError(status, code, message, detailsRecord(details)));
  return { status: res.status, body, res };
}

// The catch-all route takes `workers/x.yaml` as is; each segment is encoded on its own.
const fileUrl = (path: string) => `/api/config/files/${path.split("/").map(encodeURIComponent).join("/")}`;

export async function fetchConfigFiles(): Promise<ConfigFileEntry[]> {
  return (await configFetch<{ files: ConfigFileEntry[] }>("/api/config/files")).body.files;
}

/** One file as the editor opens it: secrets masked, its version (the base of a save) and its findings. */
export async function fetchConfigFile(path: string): Promise<ConfigFileView> {
  return (await configFetch<ConfigFileView>(fileUrl(path))).body;
}

export interface ConfigEdit {
  path: string;
  content: string;
  baseVersion: string;
}

/** What saving would do (diff, restarts and why); nothing is applied. Refusals as for a save. */
export async function planConfigSave(edit: ConfigEdit): Promise<PreviewedPlan> {
  const { body, res } = await configFetch<Plan>("/api/config/plan", { method: "POST", body: JSON.stringify(edit) });
  return { plan: body, fingerprint: fingerprintOf(res) };
}

/**
 * Saves: an operation to follow, or nothing to do when the content is what is on disk. With the
 * plan's fingerprint, exactly that plan is applied, else a 409 `plan_changed` carries the new one.
 */
export async function saveConfigFile(edit: ConfigEdit, fingerprint?: string | null): Promise<{ operationId: string } | { unchanged: true }> {
  const { body } = await configFetch<OperationAccepted | { unchanged: true }>(fileUrl(edit.path), {
    method: "PUT",
    headers: ifMatch(fingerprint),
    body: JSON.stringify({ content: edit.content, baseVersion: edit.baseVersion }),
  });
  return body;
}

export const configFilesKey = ["config", "files"] as const;
export const configFileKey = (path: string) => ["config", "file", path] as const;
/** The masked contents of every file the validator reads, for checking an edit in context. */
export const configDeploymentKey = ["config", "deployment"] as const;

/** The files validateDeployment looks at: homeserver.yaml and the worker files. */
export const isValidatedFile = (e: Pick<ConfigFileEntry, "kind">) => e.kind === "homeserver" || e.kind === "worker";
