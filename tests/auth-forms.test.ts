// Sign-in and sign-out as plain HTML forms (no JavaScript), through the real route handlers and a
// real SQLite database: a form post is answered with 303, an API call keeps its JSON, and the
// Origin check, the body bound and the throttle hold for both. Needs no lab.
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { POST as loginRoute } from "@/app/api/auth/login/route";
import { POST as logoutRoute } from "@/app/api/auth/logout/route";
import { loginFailureMessage, loginFailureOf, retryAfterSeconds } from "@/components/auth/login-messages";
import { authenticateRequest, createUser } from "@/lib/auth";
import { PAIR_MAX_FAILURES } from "@/lib/auth/throttle";
import { closeDb } from "@/lib/db";

const ORIGIN = "http://fleet.local";
const FORM = "application/x-www-form-urlencoded";
const PASSWORD = "correct horse battery staple";
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-auth-forms-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  await createUser({ username: "ada", password: PASSWORD, role: "operator" });
});
afterAll(async () => {
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

const segment = { params: Promise.resolve({} as Record<string, never>) };

function post(route: "login" | "logout", init: { body?: string; headers?: Record<string, string> }): Promise<Response> {
  const req = new NextRequest(`${ORIGIN}/api/auth/${route}`, { method: "POST", headers: { host: "fleet.local", ...init.headers }, body: init.body });
  return (route === "login" ? loginRoute : logoutRoute)(req, segment);
}

const signInForm = (fields: Record<string, string>, headers: Record<string, string> = {}) =>
  post("login", { body: new URLSearchParams(fields).toString(), headers: { "content-type": FORM, origin: ORIGIN, accept: "text/html", ...headers } });

/** The `name=value` of a Set-Cookie header. */
const cookieOf = (res: Response) => res.headers.get("set-cookie")?.split(";")[0] ?? null;

async function signedInCookie(): Promise<string> {
  const res = await signInForm({ username: "ada", password: PASSWORD });
  expect(res.status).toBe(303);
  return cookieOf(res)!;
}

describe("signing in by form", () => {
  it("answers 303 to the next page with a session cookie that works", async () => {
    const res = await signInForm({ username: "ada", password: PASSWORD, next: "/logs?workers=main" });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/logs?workers=main");
    const cookie = cookieOf(res)!;
    expect(cookie).toMatch(/^fleet_session=.{20,}/);
    expect(res.headers.get("set-cookie")).toMatch(/HttpOnly; SameSite=Lax/);
    const who = await authenticateRequest(new Request(`${ORIGIN}/api/auth/me`, { headers: { cookie } }));
    expect(who).toMatchObject({ kind: "session", name: "ada", role: "operator" });
  });

  it("goes to / for a next that is not a path on this site", async () => {
    for (const next of ["https://evil.example/", "//evil.example", "/\\evil.example", "/login"]) {
      const res = await signInForm({ username: "ada", password: PASSWORD, next });
      expect(res.headers.get("location"), next).toBe("/");
    }
  });

  it("sends a wrong password back to the form with a code, no cookie, and keeps next", async () => {
    const res = await signInForm({ username: "ada", password: "wrong", next: "/history" });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toBeNull();
    const to = new URL(res.headers.get("location")!, ORIGIN);
    expect(to.pathname).toBe("/login");
    expect(to.searchParams.get("error")).toBe("invalid");
    expect(to.searchParams.get("next")).toBe("/history");
  });

  it("sends an empty form back with 'incomplete'", async () => {
    const res = await signInForm({ username: "", password: "" });
    expect(new URL(res.headers.get("location")!, ORIGIN).searchParams.get("error")).toBe("incomplete");
  });

  it("refuses a cross-site form post and one without Origin with 403, signing nobody in", async () => {
    for (const origin of ["https://evil.example", "null"]) {
      const res = await signInForm({ username: "ada", password: PASSWORD }, { origin });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const req = new NextRequest(`${ORIGIN}/api/auth/login`, { method: "POST", headers: { host: "fleet.local", "content-type": FORM }, body: `username=ada&password=${encodeURIComponent(PASSWORD)}` });
    const res = await loginRoute(req, segment);
    expect(res.status).toBe(403);
    expect(res.headers.get("set-cookie")).toBeNull();
  });

  it("refuses a form body over the JSON limit with 413, declared or not", async () => {
    const big = `username=ada&password=${"x".repeat(70 * 1024)}`;
    const declared = await signInForm({}, { "content-length": String(big.length) });
    expect(declared.status).toBe(413);
    const streamed = await post("login", { body: big, headers: { "content-type": FORM, origin: ORIGIN } });
    expect(streamed.status).toBe(413);
    expect(((await streamed.json()) as { error: { code: string } }).error.code).toBe("payload_too_large");
  });

  it("is throttled like the API: after the pair's failures the form comes back 'throttled' with the wait", async () => {
    await createUser({ username: "grace", password: PASSWORD, role: "viewer" });
    for (let i = 0; i < PAIR_MAX_FAILURES; i++) await signInForm({ username: "grace", password: "nope" });
    const res = await signInForm({ username: "grace", password: PASSWORD });
    expect(res.status).toBe(303);
    expect(res.headers.get("set-cookie")).toBeNull();
    const to = new URL(res.headers.get("location")!, ORIGIN);
    expect(to.searchParams.get("error")).toBe("throttled");
    expect(Number(to.searchParams.get("retry"))).toBeGreaterThan(60);
  });

  it("keeps the JSON API for API callers: 200 with who you are, 401 and 415 as before", async () => {
    const ok = await post("login", { body: JSON.stringify({ username: "ada", password: PASSWORD }), headers: { "content-type": "application/json" } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ name: "ada", role: "operator", kind: "session" });
    const bad = await post("login", { body: JSON.stringify({ username: "ada", password: "no" }), headers: { "content-type": "application/json" } });
    expect(bad.status).toBe(401);
    const plain = await post("login", { body: '{"username":"ada","password":"x"}', headers: { "content-type": "text/plain", accept: "text/html" } });
    expect(plain.status).toBe(415);
  });
});

describe("signing out by form", () => {
  const signOutForm = (headers: Record<string, string>) => post("logout", { body: "", headers: { "content-type": FORM, accept: "text/html", origin: ORIGIN, ...headers } });

  it("ends the session and answers 303 to /login with the cookie cleared", async () => {
    const cookie = await signedInCookie();
    const res = await signOutForm({ cookie });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(res.headers.get("set-cookie")).toMatch(/^fleet_session=; Max-Age=0/);
    expect(await authenticateRequest(new Request(`${ORIGIN}/api/auth/me`, { headers: { cookie } }))).toBeNull();
  });

  it("refuses a cross-site form post with 403 and the session lives on", async () => {
    const cookie = await signedInCookie();
    for (const origin of ["https://evil.example", "null"]) {
      const res = await signOutForm({ cookie, origin });
      expect(res.status, origin).toBe(403);
      expect(res.headers.get("set-cookie")).toBeNull();
    }
    const noOrigin = await post("logout", { body: "", headers: { "content-type": FORM, cookie } });
    expect(noOrigin.status).toBe(403);
    expect(await authenticateRequest(new Request(`${ORIGIN}/api/auth/me`, { headers: { cookie } }))).toMatchObject({ name: "ada" });
  });

  it("sends a browser whose session had already ended to /login too, clearing its stale cookie", async () => {
    const res = await signOutForm({ cookie: "fleet_session=" + "x".repeat(43) });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe("/login");
    expect(res.headers.get("set-cookie")).toMatch(/^fleet_session=; Max-Age=0/);
  });

  it("keeps the JSON answer for API callers: 200 {ok}, 401 without a session", async () => {
    const cookie = await signedInCookie();
    const ok = await post("logout", { headers: { cookie, origin: ORIGIN } });
    expect(ok.status).toBe(200);
    expect(await ok.json()).toEqual({ ok: true });
    const anonymous = await post("logout", { headers: { origin: ORIGIN } });
    expect(anonymous.status).toBe(401);
    expect(((await anonymous.json()) as { error: { code: string } }).error.code).toBe("unauthorized");
  });
});

describe("the sign-in page's message", () => {
  it("comes from a known code only, never from the URL's text", () => {
    expect(loginFailureOf("invalid")).toBe("invalid");
    expect(loginFailureOf(["throttled", "invalid"])).toBe("throttled");
    expect(loginFailureOf("<script>alert(1)</script>")).toBeNull();
    expect(loginFailureOf(undefined)).toBeNull();
    expect(loginFailureMessage("throttled", retryAfterSeconds("61"))).toBe("Too many failed attempts. Try again in 2 minutes.");
    expect(loginFailureMessage("throttled", retryAfterSeconds("99999999"))).toMatch(/in 15 minutes/);
    expect(retryAfterSeconds("86401000")).toBe(900);
    expect(retryAfterSeconds("200000")).toBe(86_400);
  });
});
