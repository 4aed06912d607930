import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb } from "@/lib/db";
import { AuthError } from "./errors";
import { login } from "./login";
import { createUser } from "./users";

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-throttle-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
  await createUser({ username: "carol", password: "carol-password", role: "operator" });
  await createUser({ username: "dave", password: "dave-password", role: "viewer" });
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.useRealTimers();
});

async function attempt(username: string, password: string, ip: string): Promise<string> {
  try {
    await login(username, password, ip);
    return "ok";
  } catch (err) {
    if (err instanceof AuthError) return err.code;
    throw err;
  }
}

function at(iso: string) {
  vi.useFakeTimers({ toFake: ["Date"] });
  vi.setSystemTime(new Date(iso));
}

describe("login throttling", () => {
  it("refuses a username after 5 failures in 15 minutes, even with the right password, then lets it in again", async () => {
    at("2030-01-01T10:00:00Z");
    for (let i = 0; i < 5; i++) expect(await attempt("carol", "wrong-password", `10.0.0.${i}`)).toBe("invalid_credentials");
    expect(await attempt("carol", "carol-password", "10.0.1.1")).toBe("throttled");
    at("2030-01-01T10:14:00Z");
    expect(await attempt("carol", "carol-password", "10.0.1.1")).toBe("throttled");
    at("2030-01-01T10:15:01Z");
    expect(await attempt("carol", "carol-password", "10.0.1.1")).toBe("ok");
  });

  it("reports how long to wait", async () => {
    at("2030-01-02T10:00:00Z");
    for (let i = 0; i < 5; i++) await attempt("carol", "wrong-password", `10.0.2.${i}`);
    at("2030-01-02T10:05:00Z");
    const err = await login("carol", "carol-password", "10.0.3.1").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthError);
    expect((err as AuthError).retryAfterSeconds).toBe(10 * 60);
  });

  it("refuses a client address after 5 failures across usernames", async () => {
    at("2030-01-03T10:00:00Z");
    for (const name of ["x1", "x2", "x3", "carol", "x5"]) expect(await attempt(name, "wrong-password", "192.0.2.7")).toBe("invalid_credentials");
    expect(await attempt("dave", "dave-password", "192.0.2.7")).toBe("throttled");
    expect(await attempt("dave", "dave-password", "192.0.2.8")).toBe("ok");
  });

  it("treats unknown users like known ones: same error, also throttled", async () => {
    at("2030-01-04T10:00:00Z");
    for (let i = 0; i < 5; i++) expect(await attempt("nobody", "some-password", `198.51.100.${i}`)).toBe("invalid_credentials");
    expect(await attempt("nobody", "some-password", "198.51.100.99")).toBe("throttled");
  });

  it("forgets failures older than the window", async () => {
    at("2030-01-05T10:00:00Z");
    for (let i = 0; i < 4; i++) await attempt("dave", "wrong-password", `203.0.113.${i}`);
    at("2030-01-05T10:16:00Z");
    for (let i = 0; i < 4; i++) expect(await attempt("dave", "wrong-password", `203.0.113.${10 + i}`)).toBe("invalid_credentials");
    expect(await attempt("dave", "dave-password", "203.0.113.50")).toBe("ok");
  });

  it("takes about as long for an unknown user as for a wrong password", async () => {
    const time = async (name: string) => {
      const t0 = performance.now();
      await attempt(name, "wrong-password", null as unknown as string);
      return performance.now() - t0;
    };
    await time("ghost-warmup");
    const known = await time("dave");
    const unknown = await time("ghost");
    // Both run one scrypt; without the dummy hash the unknown user would return in ~1 ms.
    expect(unknown).toBeGreaterThan(known / 3);
  });
});
