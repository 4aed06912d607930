import { describe, expect, it } from "vitest";
import { AuthError } from "@/lib/auth";
import { ApiError } from "./errors";
import { toApiError, withAuthErrors } from "./auth-errors";

describe("auth errors over HTTP", () => {
  it("answers bad input 400, a conflict 409 and a missing user or token 404, with the message kept", async () => {
    const cases = [
      ["invalid_input", 400],
      ["conflict", 409],
      ["not_found", 404],
      ["invalid_credentials", 401],
      ["throttled", 429],
    ] as const;
    for (const [code, status] of cases) {
      const err = await withAuthErrors(() => Promise.reject(new AuthError(code, `because ${code}`))).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ApiError);
      expect((err as ApiError).status).toBe(status);
      expect((err as ApiError).message).toBe(`because ${code}`);
    }
  });

  it("passes other errors and results through unchanged", async () => {
    const boom = new Error("database down");
    expect(toApiError(boom)).toBe(boom);
    await expect(withAuthErrors(() => Promise.reject(boom))).rejects.toBe(boom);
    await expect(withAuthErrors(async () => 42)).resolves.toBe(42);
  });
});
