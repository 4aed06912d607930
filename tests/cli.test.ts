// The admin CLI (scripts/fleet.ts) against a running production server (scripts/server.mjs after
// `next build`) on the same data dir: users it adds sign in, a password it resets signs the old
// sessions out, and a token it revokes is refused at once, even on the streams the token already
// holds open (live events, a log follow, an operation's events). The CLI is another process: the
// server learns of its changes from the database (lib/auth/revocation.ts), not from a message.
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { closeDb, getDb } from "@/lib/db";
import { eventually, freePort, labSynapseHealthy, requireLab } from "./lab-env";

// The promise: a stream ends within a second of the revoke. Measured and printed; the test fails
// only past this wide bound (a stream that never ends), since the CI machine is small and loaded.
const PROMISE_MS = 1_000;
const BROKEN_MS = 5_000;

let dataDir: string;
let env: NodeJS.ProcessEnv;
let server: ChildProcess;
let base: string;
let serverLog = "";

const pauseFile = () => path.join(dataDir, "operation-paused");
const resumeFile = () => path.join(dataDir, "operation-resume");

// What `npm run fleet` runs: tsx from node_modules (`npx tsx` would add a package lookup, a second
// or more per call on the loaded CI machine).
const TSX = path.resolve(import.meta.dirname, "../node_modules/.bin/tsx");

/** Runs the CLI as an operator would (`npm run fleet -- …`), without blocking this process's event loop. */
function cli(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string; startedAt: number; exitedAt: number }> {
  const startedAt = Date.now();
  return new Promise((resolve, reject) => {
    const child = spawn(TSX, ["--conditions=react-server", "scripts/fleet.ts", ...args], { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (b: Buffer) => void (stdout += b.toString()));
    child.stderr.on("data", (b: Buffer) => void (stderr += b.toString()));
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr, startedAt, exitedAt: Date.now() }));
    child.stdin.end(stdin ?? "");
  });
}

async function cliOk(args: string[], stdin?: string): Promise<{ stdout: string; startedAt: number; exitedAt: number }> {
  const r = await cli(args, stdin);
  expect(r.code, `fleet ${args.join(" ")}: ${r.stderr}`).toBe(0);
  return r;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function signIn(username: string, password: string): Promise<{ status: number; cookie: string | null }> {
  const res = await fetch(`${base}/api/auth/login`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ username, password }) });
  await res.body?.cancel();
  return { status: res.status, cookie: res.headers.get("set-cookie")?.split(";")[0] ?? null };
}

const status = async (urlPath: string, headers: Record<string, string>) => {
  const res = await fetch(base + urlPath, { headers });
  await res.body?.cancel();
  return res.status;
};

/** An open SSE stream: its text so far, and when it ended (Date.now(), the clock the CLI's revokedAt is on), if it has. */
async function openStream(urlPath: string, headers: Record<string, string>) {
  const ctl = new AbortController();
  const res = await fetch(base + urlPath, { headers, signal: ctl.signal });
  expect(res.status, `GET ${urlPath}`).toBe(200);
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const state = { text: "", endedAt: null as number | null };
  const ended = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        state.text += decoder.decode(value, { stream: true });
      }
    } catch {
      /* aborted by us below: endedAt stays null */
    }
    if (!ctl.signal.aborted) state.endedAt = Date.now();
  })();
  return {
    state,
    /** Waits up to `ms` for the server to end the stream, then lets go of it either way. */
    async endWithin(ms: number): Promise<number | null> {
      await Promise.race([ended, new Promise((r) => setTimeout(r, ms))]);
      ctl.abort();
      await ended;
      return state.endedAt;
    },
  };
}

/** Prints a measured promise (a miss says so with its figure) and fails only a stream that never ended. */
function report(what: string, ms: number): void {
  process.stdout.write(`[cli] ${what}: ended ${ms} ms after the revoke${ms > PROMISE_MS ? ` — MISSED the ${PROMISE_MS} ms promise` : ""}\n`);
  expect(ms).toBeLessThan(BROKEN_MS);
}

beforeAll(async () => {
  const { configDir } = requireLab();
  if (!existsSync(path.join(process.cwd(), ".next", "BUILD_ID"))) throw new Error("no production build (.next): run `next build` first (npm test does)");
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-cli-"));
  env = { ...process.env, FLEET_DATA_DIR: dataDir, SYNAPSE_CONFIG_DIR: configDir };
  delete env.DATABASE_URL;
  delete env.FLEET_PASSWORD;
  // This process reads the same database, only to learn when the CLI wrote a revoke.
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  // The server's only operation (the restart below) holds after its first step until the test lets
  // it go (lib/operations/test-hooks.ts): it is still in flight when the revoke lands, however long
  // the CLI takes to start on a loaded machine.
  const hooks = { FLEET_TEST_HOOKS: "1", FLEET_TEST_PAUSE_AFTER_STEP: "0", FLEET_TEST_PAUSE_FILE: pauseFile(), FLEET_TEST_RESUME_FILE: resumeFile() };
  server = spawn("node", ["scripts/server.mjs"], { env: { ...env, ...hooks, PORT: String(port), FLEET_LISTEN: "127.0.0.1" }, stdio: ["ignore", "pipe", "pipe"] });
  server.stdout!.on("data", (b: Buffer) => void (serverLog += b.toString()));
  server.stderr!.on("data", (b: Buffer) => void (serverLog += b.toString()));
  await eventually(
    async () => {
      if (server.exitCode !== null) throw new Error(`the server exited (${server.exitCode}):\n${serverLog}`);
      return (await fetch(`${base}/api/health`).then((r) => r.ok, () => false)) || null;
    },
    60_000,
    "the dashboard server to answer /api/health",
  );
}, 120_000);

afterAll(async () => {
  if (server && server.exitCode === null) {
    const exited = new Promise((r) => server.once("exit", r));
    server.kill("SIGTERM");
    await exited;
  }
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe("fleet user", () => {
  it("adds a user who signs in, lists users, and refuses a bad role or a taken name with nothing added", async () => {
    const added = await cliOk(["user", "add", "Ada", "--role", "operator", "--password-stdin"], "ada-first-password\n");
    expect(added.stdout).toContain("created user ada (operator)");
    const login = await signIn("ada", "ada-first-password");
    expect(login.status).toBe(200);
    expect(await status("/api/auth/me", { cookie: login.cookie! })).toBe(200);

    // Three refusals, independent of each other: run side by side.
    const [badRole, taken, noName] = await Promise.all([
      cli(["user", "add", "bob", "--role", "root", "--password-stdin"], "bob-password-123\n"),
      cli(["user", "add", "ada", "--role", "viewer", "--password-stdin"], "another-password\n"),
      cli(["user", "add", "--role", "viewer"]),
    ]);
    expect(badRole.code).toBe(1);
    expect(badRole.stderr).toMatch(/Role must be one of viewer, operator, admin/);
    expect(taken.code).toBe(1);
    expect(taken.stderr).toMatch(/User ada already exists/);
    expect(noName.code).toBe(2);
    expect(noName.stderr).toMatch(/missing NAME/);

    const list = (await cliOk(["user", "list"])).stdout.trim().split("\n");
    expect(list[0].split(/\s+/)).toEqual(["USERNAME", "ROLE", "DISABLED", "CREATED"]);
    expect(list.slice(1).map((l) => l.split(/\s+/).slice(0, 3))).toEqual([["ada", "operator", "no"]]);
  }, 120_000);

  it("passwd: the old password and the old session are refused at once, a stream the session holds ends, the new password works", async () => {
    const { cookie } = await signIn("ada", "ada-first-password");
    const events = await openStream("/api/events", { cookie: cookie! });
    // No row records when the sessions were deleted: the first 401 to the old cookie, asked every
    // 50 ms while the CLI runs, is when the server could first see it.
    let refusedAt: number | null = null;
    const giveUpAt = Date.now() + 60_000;
    const probing = (async () => {
      while (refusedAt === null && Date.now() < giveUpAt) {
        if ((await status("/api/auth/me", { cookie: cookie! })) === 401) refusedAt = Date.now();
        else await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const changed = await cliOk(["user", "passwd", "ada", "--password-stdin"], "ada-second-password\n");
    expect(changed.stdout).toContain("password changed for ada");
    const endedAt = await events.endWithin(BROKEN_MS);
    await probing;
    expect(endedAt, "the session's event stream ended").not.toBeNull();
    expect(refusedAt, "the old session refused").not.toBeNull();
    // Within the probe's 50 ms steps: a figure just below zero means the stream ended first.
    report("user passwd → /api/events", endedAt! - refusedAt!);
    expect(events.state.text).toContain('event: revoked\ndata: {"reason":"the session ended"}');

    expect(await status("/api/auth/me", { cookie: cookie! })).toBe(401);
    expect(await status("/api/events", { cookie: cookie! })).toBe(401);
    expect((await signIn("ada", "ada-first-password")).status).toBe(401);
    expect((await signIn("ada", "ada-second-password")).status).toBe(200);
  }, 120_000);
});

describe("fleet token", () => {
  it("revoke: the token is refused at once and its open streams end — live events, a log follow, an operation in flight", async () => {
    const [operatorCreated, viewerCreated] = await Promise.all([
      cliOk(["token", "create", "--role", "operator", "--name", "cli-operator"]),
      cliOk(["token", "create", "--role", "viewer", "--name", "cli-viewer"]),
    ]);
    const operatorToken = operatorCreated.stdout.trim().split("\n").pop()!;
    const created = viewerCreated.stdout.trim().split("\n");
    const viewerId = /^created token (\S+) "cli-viewer" \(viewer\)$/.exec(created[0])?.[1];
    const viewerToken = created[1];
    expect(viewerId, created.join("\n")).toMatch(/^\S+$/);
    expect(viewerToken).toMatch(/^sf_[A-Za-z0-9_-]{43}$/);
    expect(await status("/api/topology", bearer(viewerToken))).toBe(200);

    const listed = (await cliOk(["token", "list"])).stdout;
    const row = listed.split("\n").find((l) => l.startsWith(viewerId!))!;
    expect(row.split(/\s{2,}/)).toEqual([viewerId, "cli-viewer", `${viewerToken.slice(0, 10)}…`, "viewer", expect.stringMatching(/^\d{4}-/), expect.stringMatching(/^\d{4}-/), "-"]);
    expect(listed).not.toContain(viewerToken);

    // An operation that is still applying while the viewer watches it: the restart holds after its
    // first step (the server's test hooks) until the revoke has been checked.
    await labSynapseHealthy();
    const started = await fetch(`${base}/api/workers/generic_worker1/restart`, { method: "POST", headers: bearer(operatorToken) });
    expect(started.status).toBe(202);
    const { operationId } = (await started.json()) as { operationId: string };
    try {
      await eventually(async () => existsSync(pauseFile()), 60_000, "the restart to hold after its first step");
      const streams = {
        "/api/events": await openStream("/api/events", bearer(viewerToken)),
        "/api/workers/main/logs?follow=1": await openStream("/api/workers/main/logs?follow=1", bearer(viewerToken)),
        "/api/operations/{id}/events": await openStream(`/api/operations/${operationId}/events`, bearer(viewerToken)),
      };
      const revoked = await cliOk(["token", "revoke", viewerId!]);
      expect(revoked.stdout).toContain(`revoked token ${viewerId} "cli-viewer"`);
      const ends = await Promise.all(Object.values(streams).map((s) => s.endWithin(BROKEN_MS)));
      // When the CLI wrote the revoke, to the millisecond, on this machine's clock.
      const revokedAt = (await (await getDb()).apiToken.findUniqueOrThrow({ where: { id: viewerId! } })).revokedAt!.getTime();
      expect(revokedAt).toBeGreaterThanOrEqual(revoked.startedAt);
      for (const [i, [what, s]] of Object.entries(streams).entries()) {
        expect(ends[i], `${what} ended`).not.toBeNull();
        // Ended by the revoke, not by its own end (the operation's stream also ends when it finishes).
        expect(s.state.text, what).toContain('event: revoked\ndata: {"reason":"the API token was revoked"}');
        report(`token revoke → ${what}`, ends[i]! - revokedAt);
      }
      expect(await status("/api/topology", bearer(viewerToken))).toBe(401);
      expect(await status("/api/events", bearer(viewerToken))).toBe(401);
      expect(await status("/api/topology", bearer(operatorToken))).toBe(200);
      const row2 = (await cliOk(["token", "list"])).stdout.split("\n").find((l) => l.startsWith(viewerId!))!;
      expect(row2.split(/\s{2,}/).pop()).toMatch(/^\d{4}-\d\d-\d\dT/);
    } finally {
      // Leave the lab as found: the restart finishes and every process is healthy again.
      writeFileSync(resumeFile(), "");
      const op = await eventually(
        async () => {
          const res = await fetch(`${base}/api/operations/${operationId}`, { headers: bearer(operatorToken) });
          const o = (await res.json()) as { status: string; error?: string | null };
          return o.status !== "applying" && o.status !== "planned" ? o : null;
        },
        180_000,
        "the restart to finish",
      );
      await labSynapseHealthy();
      expect(op, JSON.stringify(op)).toMatchObject({ status: "succeeded" });
    }

    const unknown = await cli(["token", "revoke", "tok_does_not_exist"]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/No API token tok_does_not_exist/);
  }, 300_000);
});
