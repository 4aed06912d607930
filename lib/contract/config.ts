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

/** PUT /api/config/files/{path}: the whole new content, and the version it was edited on. */
export const saveConfigRequestSchema = z
  .object({
    content: z.string().max(1024 * 1024),
    baseVersion: z.string().min(1).max(200).describe("the version the edit was made on (from GET); another one is 409 stale_base"),
  })
  .strict();
export const saveConfigUnchangedSchema = z.object({ unchanged: z.literal(true) });

/** POST /api/config/validate: the files to check, edited or not, by path (at most 64; 1 MiB in all). */
export const validateConfigRequestSchema = z
  .object({ files: z.record(z.string().min(1).max(200), z.string()).refine((f) => Object.keys(f).length <= 64, "at most 64 files") })
  .strict();
export const validateConfigResponseSchema = z.object({ findings: z.array(findingSchema) });

/** POST /api/config/plan: what saving one file would do, nothing applied. */
export const planConfigRequestSchema = saveConfigRequestSchema.extend({ path: z.string().min(1).max(200) }).strict();

/** GET /api/config/files/{path}/versions: the versions history's snapshots hold, newest first. */
export const fileVersionsSchema = z.object({
  path: z.string(),
  versions: z.array(z.object({ version: z.string(), operationId: z.string(), point: z.enum(["before", "after"]), at: z.string(), summary: z.string() })),
});
/** GET /api/config/files/{path}/versions/{version}: one of them, masked. */
export const fileAtVersionSchema = z.object({ path: z.string(), version: z.string(), content: z.string() });

/** POST /api/config/files/{path}/reveal: one secret's value, by dotted key path (admin; audited). */
export const revealRequestSchema = z.object({ key: z.string().min(1).max(300) }).strict();
export const revealResponseSchema = z.object({ path: z.string(), key: z.string(), value: z.string() });
