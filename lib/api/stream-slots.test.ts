import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { authenticateRequest, createApiToken, createUser, login, logout, revokeApiToken, setUserRole, watchedCredentials, type Principal } from "@/lib/auth";
import { closeDb, getDb } from "@/lib/db";
import { FleetError } from "@/lib/errors";
import { handleApiError } from "./errors";
import { acquireStreamSlot, heldStreamSlots, sseHoldingSlot, STREAM_LIMITS } from "./stream-slots";

const alice: Principal = { kind: "session", userId: "u-alice", name: "alice", role: "viewer" };
const bob: Principal = { kind: "token", userId: null, name: "bob-token", role: "viewer" };

describe("stream slots", () => {
  it("gives a principal a fixed number per pool, refuses the next with 429, and counts pools and principals apart", () => {
    const releases = Array.from({ length: STREAM_LIMITS.pages }, () => acquireStreamSlot(alice, "pages"));
    let refused: unknown;
    try {
      acquireStreamSlot(alice, "pages");
    } catch (err) {
      refused = err;
    }
    expect(refused).toBeInstanceOf(FleetError);
    expect(handleApiError(refused).status).toBe(429);
    const other = [acquireStreamSlot(bob, "pages"), acquireStreamSlot(alice, "events")];
    for (const r of [...releases, ...other]) r();
    expect(heldStreamSlots()).toEqual({});
  });

  it("releases a slot once, however often release is called", () => {
    const release = acquireStreamSlot(alice, "events");
    const second = acquireStreamSlot(alice, "events");
    release();
    release();
    expect(heldStreamSlots()).toEqual({ "events:user:u-alice": 1 });
    second();
    expect(heldStreamSlots()).toEqual({});
  });
});

describe("open streams and revoked credentials", () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), "fleet-slots-"));
    process.env.FLEET_DATA_DIR = dir;
    delete process.env.DATABASE_URL;
  });
  afterAll(async () => {
    await closeDb();
    rmSync(dir, { recursive: true, force: true });
  });

  const request = (headers: Record<string, string>) => new Request("http://fleet.local/api/events", { headers });

  /** Opens a stream that sends nothing by itself (as /api/events between engine events) and reads it to its end. */
  async function openStream(principal: Principal) {
    const controller = new AbortController();
    const res = await sseHoldingSlot(new Request("http://fleet.local/api/events", { signal: controller.signal }), principal, "events", () => () => () => {});
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    const ended = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return text;
        text += decoder.decode(value, { stream: true });
      }
    })();
    // Not ended within 5 s (ten re-checks) means never: the stream is then aborted so the test ends.
    const endedWithin5s = () =>
      Promise.race([ended.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 5_000))]).finally(() => controller.abort());
    return { ended, endedWithin5s, abort: () => controller.abort(), text: () => text };
  }

  it("ends a token's streams when another process revokes it in the database, and gives their slots back", async () => {
    const token = await createApiToken({ role: "viewer", name: "grafana" });
    const principal = (await authenticateRequest(request({ authorization: `Bearer ${token.token}` })))!;
    const a = await openStream(principal);
    const b = await openStream(principal);
    expect(watchedCredentials()).toBe(2);
    expect(heldStreamSlots()).toEqual({ "events:token:grafana": 2 });
    // Written as the CLI does it from its own process: nothing in this one hears of it.
    const db = await getDb();
    await db.apiToken.update({ where: { id: token.id }, data: { revokedAt: new Date() } });
    expect(await a.endedWithin5s()).toBe(true);
    expect(await b.endedWithin5s()).toBe(true);
    expect(a.text()).toContain('event: revoked\ndata: {"reason":"the API token was revoked"}');
    expect(watchedCredentials()).toBe(0);
    expect(heldStreamSlots()).toEqual({});
    expect(await authenticateRequest(request({ authorization: `Bearer ${token.token}` }))).toBeNull();
  });

  it("ends a session's stream when it signs out, and another session's stream when its user gets another role", async () => {
    await createUser({ username: "carol", password: "carol-password-1", role: "operator" });
    const first = await login("carol", "carol-password-1", null);
    const second = await login("carol", "carol-password-1", null);
    const cookie = (t: string) => request({ cookie: `fleet_session=${t}` });
    const s1 = await openStream((await authenticateRequest(cookie(first.token)))!);
    const s2 = await openStream((await authenticateRequest(cookie(second.token)))!);
    const other = await createApiToken({ role: "viewer", name: "untouched" });
    const bystander = await openStream((await authenticateRequest(request({ authorization: `Bearer ${other.token}` })))!);

    await logout(first.token);
    expect(await s1.endedWithin5s()).toBe(true);
    expect(s1.text()).toContain("the session ended");
    expect(watchedCredentials()).toBe(2);

    await setUserRole("carol", "viewer");
    expect(await s2.endedWithin5s()).toBe(true);
    expect(s2.text()).toContain("the user's role changed");

    // Unrelated credentials keep their streams through all of it, until their own revoke.
    expect(watchedCredentials()).toBe(1);
    await revokeApiToken(other.id);
    expect(await bystander.endedWithin5s()).toBe(true);
    expect(heldStreamSlots()).toEqual({});
  });

  it("leaves a stream whose principal came from no request unwatched (nothing to re-check)", async () => {
    const s = await openStream(alice);
    expect(watchedCredentials()).toBe(0);
    expect(heldStreamSlots()).toEqual({ "events:user:u-alice": 1 });
    s.abort();
    await s.ended;
    expect(heldStreamSlots()).toEqual({});
  });
});
