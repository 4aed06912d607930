import { z } from "zod";
import { MAX_PATTERN_CHARS } from "@/lib/logs/pattern";

/**
 * The log API's shapes (browser-safe). Lines travel raw and are parsed where they are shown
 * (lib/logs/parse.ts runs in both places): the server stays a fast pipe.
 */

export const MAX_TAIL = 10_000;
export const DEFAULT_TAIL = 500;

/**
 * One log line of one process. `ts` is Docker's RFC 3339 timestamp with nanoseconds: it orders and
 * resumes. `node` is the Swarm node (hostname) whose task wrote it; absent outside a swarm.
 */
export const logLineSchema = z.object({
  ts: z.string(),
  worker: z.string(),
  stream: z.enum(["stdout", "stderr", "file"]),
  text: z.string(),
  node: z.string().optional(),
});
export type LogLine = z.infer<typeof logLineSchema>;

/** A duration like 90s, 15m, 2h, 1d, or an RFC 3339 timestamp. */
export const sinceSchema = z
  .string()
  .max(40)
  .refine((v) => /^\d{1,6}(s|m|h|d)$/.test(v) || !Number.isNaN(Date.parse(v)), "since must be a duration (90s, 15m, 2h, 1d) or an RFC 3339 timestamp");

export const logQuerySchema = z.object({
  /** Comma-separated worker names, `all`, or `type:<worker type>`. */
  workers: z.string().min(1).max(2000).default("all"),
  tail: z.coerce.number().int().min(0).max(MAX_TAIL).default(DEFAULT_TAIL),
  since: sinceSchema.optional(),
  until: sinceSchema.optional(),
  follow: z.enum(["0", "1", "true", "false"]).optional().transform((v) => v === "1" || v === "true"),
  /** Server-side search further back: plain text (case-insensitive) or a regex. */
  q: z.string().max(MAX_PATTERN_CHARS, `q must be at most ${MAX_PATTERN_CHARS} characters`).optional(),
  regex: z.enum(["0", "1", "true", "false"]).optional().transform((v) => v === "1" || v === "true"),
});
export type LogQuery = z.infer<typeof logQuerySchema>;

/** Without follow: one bounded page. */
export const logPageSchema = z.object({ lines: z.array(logLineSchema), truncated: z.boolean() });

/**
 * With follow (SSE): `event: lines` carries a batch `{lines}` and `id:` = the newest `ts` sent, so a
 * reconnect (Last-Event-ID) resumes after it without duplicates; `event: status` says what a stream is
 * doing: `{worker, state: "streaming" | "stopped" | "restarted" | "error", message?}`.
 */
export const logStatusSchema = z.object({
  worker: z.string(),
  state: z.enum(["streaming", "stopped", "restarted", "error"]),
  message: z.string().optional(),
  /** On a swarm: the node the worker's current task runs on. */
  node: z.string().optional(),
});
export type LogStatus = z.infer<typeof logStatusSchema>;
