// The config editor's API shapes (browser-safe): files, their versions, and findings.
import { z } from "zod";

export const configFileKinds = ["homeserver", "worker", "log_config", "targets"] as const;

export const configFileEntrySchema = z.object({
  path: z.string().describe("relative to the config directory"),
  kind: z.enum(configFileKinds),
  worker: z.string().nullable(),
  version: z.string().describe("sha256 of the bytes on disk: the base a save names"),
  editable: z.boolean(),
});

/** A validator finding: which rule, how bad, where (1-based), and what to do. */
export const findingSchema = z
  .object({
    rule: z.string().optional(),
    level: z.enum(["error", "warning"]),
    message: z.string(),
    file: z.string().optional(),
    line: z.number().int().optional(),
    column: z.number().int().optional(),
    endLine: z.number().int().optional(),
    endColumn: z.number().int().optional(),
    fix: z.string().optional(),
  })
  .loose();

export const configFilesResponseSchema = z.object({ files: z.array(configFileEntrySchema) });

export const configFileViewSchema = z.object({
  path: z.string(),
  kind: z.enum(configFileKinds),
  content: z.string().describe("the file with its secrets masked («masked»)"),
  version: z.string(),
  editable: z.boolean(),
  findings: z.array(findingSchema),
});
export type ConfigFileViewResponse = z.infer<typeof configFileViewSchema>;
