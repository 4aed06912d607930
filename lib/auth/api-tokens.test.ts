import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { API_TOKEN_PATTERN, createApiToken, generateApiToken, listApiTokens, revokeApiToken } from "./api-tokens";
import { AuthError } from "./errors";
import { authenticateRequest } from "./request";
import { credentialsChanged } from "./credential-events";
import { sha256Hex } from "./secrets";
import { VERIFIED_FOR_MS } from "./verified";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-tokens-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
});
afterEach(() => {
  vi.useRealTimers();
});
afterAll(async () => {
  await closeDb();
  rmSync(dir, { recursive: true, force: true });
});

const bearer = (token: string) => new Request("http://fleet.local/api/topology", { headers: { authorization: `Bearer ${token}` } });

describe("API tokens", () => {
  it("look like sf_ followed by 43 base64url characters (32 random bytes)", () => {
    const token = generateApiToken();
    expect(token).toMatch(API_TOKEN_PATTERN);
    expect(token).toHaveLength(46);
    expect(generateApiToken()).not.toBe(token);
  });

  it("are shown once and stored hashed, with a display prefix", async () => {
    const created = await createApiToken({ role: "operator", name: "ci" });
    expect(created.token).toMatch(API_TOKEN_PATTERN);
    expect(created.prefix).toBe(created.token.slice(0, 10));
    const db = await getDb();
    const row = await db.apiToken.findUniqueOrThrow({ where: { id: created.id } });
    expect(row.tokenHash).toBe(sha256Hex(created.token));
    const listed = (await listApiTokens()).find((t) => t.id === created.id);
    expect(listed).toBeDefined();
    expect(JSON.stringify(listed)).not.toContain(created.token);
    expect(listed).not.toHaveProperty("tokenHash");
  });

  it("authenticate a Bearer request as a token principal, until revoked", async () => {
    const created = await createApiToken({ role: "viewer", name: "grafana" });
    expect(await authenticateRequest(bearer(created.token))).toEqual({ kind: "token", userId: null, name: "grafana", role: "viewer" });
    expect((await listApiTokens()).find((t) => t.id === created.id)?.lastUsedAt).toBeInstanceOf(Date);
    await revokeApiToken(created.id);
    expect(await authenticateRequest(bearer(created.token))).toBeNull();
  });

  it("reject malformed and unknown bearer tokens without falling back to the cookie", async () => {
    expect(await authenticateRequest(bearer("sf_short"))).toBeNull();
    expect(await authenticateRequest(bearer(generateApiToken()))).toBeNull();
    const req = new Request("http://fleet.local/", { headers: { authorization: "Basic abc", cookie: "fleet_session=x" } });
    expect(await authenticateRequest(req)).toBeNull();
  });

  it("revoked by another process (the CLI writes the database), are refused once the last confirmation is VERIFIED_FOR_MS old", async () => {
    const created = await createApiToken({ role: "operator", name: "script" });
    vi.useFakeTimers({ toFake: ["Date"] });
    expect(await authenticateRequest(bearer(created.token))).toMatchObject({ name: "script" });
    // Written as the CLI does it: nothing in this process hears of it.
    await (await getDb()).apiToken.update({ where: { id: created.id }, data: { revokedAt: new Date() } });
    vi.advanceTimersByTime(VERIFIED_FOR_MS - 1);
    expect(await authenticateRequest(bearer(created.token))).toMatchObject({ name: "script" });
    vi.advanceTimersByTime(1);
    expect(await authenticateRequest(bearer(created.token))).toBeNull();
  });

  it("are not believed on a confirmation read while a change was being made in this process", async () => {
    const created = await createApiToken({ role: "operator", name: "racer" });
    const reading = authenticateRequest(bearer(created.token));
    credentialsChanged();
    expect(await reading).toMatchObject({ name: "racer" });
    await (await getDb()).apiToken.update({ where: { id: created.id }, data: { revokedAt: new Date() } });
    expect(await authenticateRequest(bearer(created.token))).toBeNull();
  });

  it("refuse unknown roles and unknown ids", async () => {
    await expect(createApiToken({ role: "root" })).rejects.toBeInstanceOf(AuthError);
    await expect(revokeApiToken("missing")).rejects.toMatchObject({ code: "not_found" });
  });
});
