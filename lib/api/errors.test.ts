import { afterEach, describe, expect, it, vi } from "vitest";
import { ApiError, handleApiError } from "./errors";

afterEach(() => vi.restoreAllMocks());

describe("handleApiError", () => {
  it("answers an unexpected error with 500 and no detail, and logs it with its secrets masked", async () => {
    const printed: string[] = [];
    vi.spyOn(console, "error").mockImplementation((...args: unknown[]) => void printed.push(args.map(String).join(" ")));
    const err = new Error("connect to postgres://synapse:Sup3rS3cret!@db:5432/synapse failed", {
      cause: new Error("redis password hunter2hunter2 refused: AUTH"),
    });
    const res = handleApiError(err);
    expect(res.status).toBe(500);
    expect(await res.json()).toEqual({ error: { code: "internal", message: "Internal error" } });
    const log = printed.join("\n");
    expect(log).toContain("postgres://synapse:");
    expect(log).not.toContain("Sup3rS3cret!");
    expect(log).toContain("db:5432");
  });

  it("maps the new codes to their statuses", () => {
    expect(handleApiError(new ApiError("payload_too_large", "x")).status).toBe(413);
    expect(handleApiError(new ApiError("unsupported_media_type", "x")).status).toBe(415);
    expect(handleApiError(new ApiError("unprocessable", "x")).status).toBe(422);
  });
});
