import { afterEach, describe, expect, it, vi } from "vitest";
import { logSafely, safeErrorText } from "./log";
import { MASK } from "./synapse/secrets";

afterEach(() => vi.restoreAllMocks());

describe("the dashboard's own log", () => {
  it("prints an error and its causes with credentials masked, the rest kept", () => {
    const cause = new Error("connect ECONNREFUSED postgresql://synapse:log-pw-1@db:5432/synapse");
    const err = new Error("database unreachable (password=log-pw-2)", { cause });
    const text = safeErrorText(err);
    expect(text).not.toMatch(/log-pw-1|log-pw-2/);
    expect(text).toContain(`postgresql://synapse:${MASK}@db:5432/synapse`);
    expect(text).toContain("database unreachable");
    expect(text).toContain("caused by: Error: connect ECONNREFUSED");
  });

  it("logSafely writes nothing secret to console.error, whatever was thrown", () => {
    const printed: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
    logSafely("[x] failed for redis://:log-pw-3@redis:", { detail: "Authorization: Bearer syt_bG9n_AbCdEfGhIjKlMnOp_123" });
    logSafely("[x] failed:", "token=log-pw-4");
    expect(printed).toHaveLength(2);
    expect(printed.join("\n")).not.toMatch(/log-pw-3|log-pw-4|syt_bG9n/);
    expect(printed[0]).toContain("@redis:");
  });
});
