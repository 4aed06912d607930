import { z } from "zod";

/** Browser-safe: the shapes of the diagnostics API (the Workers Guide's troubleshooting as live checks). */

export const checkStatusSchema = z.enum(["pass", "warn", "fail"]).describe("a check that cannot run warns and says why; it never passes");
export type CheckStatus = z.infer<typeof checkStatusSchema>;

export const checkResultSchema = z.object({
  id: z.string(),
  title: z.string(),
  status: checkStatusSchema,
  evidence: z.array(z.string()).describe("what was measured or seen, one fact per line; secrets masked"),
  fix: z.string().nullable().describe("what to do about it; null when the check passes"),
  process: z.string().optional().describe("the process the finding is about, when it is about one"),
  durationMs: z.number(),
});

export const diagnosticsSchema = z.object({
  checks: z.array(checkResultSchema),
  generatedAt: z.string(),
});

export type CheckResult = z.infer<typeof checkResultSchema>;
export type Diagnostics = z.infer<typeof diagnosticsSchema>;
