import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { API_TOKEN_PATTERN, createApiToken, generateApiToken, listApiTokens, revokeApiToken } from "./api-tokens";
import { AuthError } from "./errors";
import { authenticateRequest } from "./request";
import { sha256Hex } from "./secrets";

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), "fleet-tokens-"));
  process.env.FLEET_DATA_DIR = dir;
  delete process.env.DATABASE_URL;
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

  it("refuse unknown roles and unknown ids", async () => {
    await expect(createApiToken({ role: "root" })).rejects.toBeInstanceOf(AuthError);
    await expect(revokeApiToken("missing")).rejects.toMatchObject({ code: "not_found" });
  });
});
