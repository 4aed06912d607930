import { expect, test } from "@playwright/test";
import fs from "node:fs";
import path from "node:path";
import { configDir, configFiles, FleetApi } from "./fleet-api";

// Every refusal of a plan and every conflict reaches the client as docs/ARCHITECTURE.md's Errors
// table says (status, `error.code`, `details.reason`), over real requests to the real server and
// lab; and a refusal changes nothing: the config dir is byte-identical and the history holds no
// new operation. (An engine that does not answer, 503 engine_unreachable, is e2e/engine-away.flow.ts.)

type ErrorBody = { error?: { code: string; message: string; details?: Record<string, unknown> & { reason?: string } } };

let api: FleetApi;
test.beforeAll(({ baseURL }) => {
  api = FleetApi.withRole(baseURL!, "operator");
});

async function send(method: string, urlPath: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: ErrorBody }> {
  const res = await fetch(api.baseURL + urlPath, {
    method,
    headers: { Authorization: `Bearer ${api.token}`, "Content-Type": "application/json", ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(60_000),
  });
  return { status: res.status, body: (await res.json()) as ErrorBody };
}

/** The config dir's files (configFiles leaves out the log files a lab worker writes there as it runs). */
const configState = configFiles;

const historyLength = async () => (await api.call<unknown[]>("GET", "/api/history?limit=200")).json.length;

/** Runs the refused requests and proves they left the config dir and the history as they were. */
async function changesNothing(fn: () => Promise<void>): Promise<void> {
  const files = configState();
  const ops = await historyLength();
  await fn();
  expect(configState()).toEqual(files);
  expect(await historyLength()).toBe(ops);
}

function expectError(r: { status: number; body: ErrorBody }, status: number, code: string, reason: string | undefined, what: string): void {
  expect(r.status, `${what}: ${JSON.stringify(r.body)}`).toBe(status);
  expect(r.body.error?.code, what).toBe(code);
  expect(r.body.error?.details?.reason, what).toBe(reason);
  expect(r.body.error?.message, what).toMatch(/\S/);
}

/** A worker file of the lab as the editor opens it: its path, masked content and version. */
async function workerFile(): Promise<{ path: string; content: string; version: string }> {
  const name = fs.readdirSync(path.join(configDir(), "workers")).filter((n) => n.endsWith(".yaml")).sort()[0];
  const r = await api.call<{ path: string; content: string; version: string }>("GET", `/api/config/files/workers/${name}`);
  expect(r.status).toBe(200);
  return r.json;
}

test("an intent the schema refuses is 400 bad_request with its issues; one the planner refuses is 400 invalid", async () => {
  await changesNothing(async () => {
    const bogus = await send("POST", "/api/workers", { type: "no_such_kind" });
    expectError(bogus, 400, "bad_request", undefined, "an unknown worker kind");
    expect(bogus.body.error?.details).toEqual(expect.arrayContaining([expect.objectContaining({ path: "type" })]));
    // main is not a worker name: the request's own schema refuses it before any plan.
    const main = await send("DELETE", "/api/workers/main");
    expectError(main, 400, "bad_request", undefined, "removing main");
    expect(Array.isArray(main.body.error?.details)).toBe(true);
    // Well-formed, but the planner refuses them against the deployment: reason "invalid".
    expectError(await send("POST", "/api/workers", { type: "federation_sender", port: 18_555 }), 400, "bad_request", "invalid", "a port for a worker with no http listener");
    expectError(await send("POST", "/api/plans", { intent: { kind: "add_worker", type: "pusher", port: 18_556 } }), 400, "bad_request", "invalid", "previewing a port for a pusher");
    const targets = await api.call<{ version: string; content: string }>("GET", "/api/config/files/prometheus/synapse-targets.json");
    expect(targets.status).toBe(200);
    const readOnly = await send("PUT", "/api/config/files/prometheus/synapse-targets.json", { content: "[]\n", baseVersion: targets.json.version });
    expectError(readOnly, 400, "bad_request", "invalid", "saving the Prometheus targets the plans write");
  });
});

test("an unknown worker is 404 not_found", async () => {
  await changesNothing(async () => {
    expectError(await send("DELETE", "/api/workers/no_such_worker"), 404, "not_found", "not_found", "removing an unknown worker");
    expectError(await send("POST", "/api/workers/no_such_worker/restart"), 404, "not_found", "not_found", "restarting an unknown worker");
  });
});

test("a kind past its limit is 409 limit; a taken name and a running process started again are 409 conflict", async () => {
  await changesNothing(async () => {
    expectError(await send("PUT", "/api/workers/scale", { type: "user_dir", count: 2 }), 409, "conflict", "limit", "two user directory workers");
    expectError(await send("POST", "/api/workers", { type: "generic", name: "generic_worker1" }), 409, "conflict", "conflict", "a worker name already in use");
    expectError(await send("POST", "/api/workers/generic_worker1/start"), 409, "conflict", "conflict", "starting a running worker");
  });
});

test("a save on a stale version is 409 stale_base with the current version; one the validator refuses is 422 with its findings", async () => {
  const file = await workerFile();
  await changesNothing(async () => {
    const edited = `${file.content.trimEnd()}\n# an operator's note\n`;
    const staleVersion = file.version.replace(/.$/, (c) => (c === "0" ? "1" : "0"));
    const stale = await send("PUT", `/api/config/files/${file.path}`, { content: edited, baseVersion: staleVersion });
    expectError(stale, 409, "conflict", "stale_base", "a save on another version");
    expect(stale.body.error?.details?.current).toEqual({ [file.path]: file.version });

    const broken = `${file.content.trimEnd()}\nworker_replication_host: main\n`;
    const refused = await send("PUT", `/api/config/files/${file.path}`, { content: broken, baseVersion: file.version });
    expectError(refused, 422, "unprocessable", "findings", "a save the validator refuses");
    const findings = refused.body.error?.details?.findings as Array<{ rule: string; level: string; file?: string }>;
    expect(findings).toEqual(expect.arrayContaining([expect.objectContaining({ rule: "removed-replication-key", level: "error", file: file.path })]));
  });
});

test("a save sent with the ETag of another preview is 409 plan_changed with the plan as it stands", async () => {
  const file = await workerFile();
  await changesNothing(async () => {
    const previewed = await fetch(`${api.baseURL}/api/config/plan`, {
      method: "POST",
      headers: { Authorization: `Bearer ${api.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ path: file.path, content: `${file.content.trimEnd()}\n# note A\n`, baseVersion: file.version }),
    });
    expect(previewed.status).toBe(200);
    const etag = previewed.headers.get("etag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    await previewed.body?.cancel();
    const changed = await send("PUT", `/api/config/files/${file.path}`, { content: `${file.content.trimEnd()}\n# note B\n`, baseVersion: file.version }, { "If-Match": etag! });
    expectError(changed, 409, "conflict", "plan_changed", "a save of content B confirmed with A's preview");
    expect(`"${changed.body.error?.details?.fingerprint}"`).not.toBe(etag);
    expect(JSON.stringify(changed.body.error?.details?.plan)).toContain("# note B");
  });
});

test("a link planted where a config file belongs is 400 unsafe_path, for a read and for a plan", async () => {
  const planted = path.join(configDir(), "workers", "zz_planted.yaml");
  // A link to a file inside the directory: refused for being a link, not for where it points.
  fs.symlinkSync("../homeserver.yaml", planted);
  try {
    await changesNothing(async () => {
      expectError(await send("GET", "/api/config/files/workers/zz_planted.yaml"), 400, "bad_request", "unsafe_path", "reading a planted link");
      expectError(await send("POST", "/api/workers/generic_worker1/restart"), 400, "bad_request", "unsafe_path", "a plan over a config dir with a planted link");
    });
  } finally {
    fs.rmSync(planted, { force: true });
  }
  expect((await api.call("GET", "/api/config/files")).status).toBe(200);
});

test("a change while another operation applies is 409 operation_in_flight, and the first one finishes", async () => {
  const files = configState();
  const first = await send("POST", "/api/workers/federation_sender1/restart");
  expect(first.status, JSON.stringify(first.body)).toBe(202);
  const operationId = (first.body as { operationId?: string }).operationId!;
  try {
    const ops = await historyLength();
    expectError(await send("POST", "/api/workers/generic_worker1/restart"), 409, "conflict", "operation_in_flight", "a restart during another restart");
    expectError(await send("PUT", "/api/workers/scale", { type: "generic", count: 2 }), 409, "conflict", "operation_in_flight", "a scale during a restart");
    expect(await historyLength()).toBe(ops);
  } finally {
    const op = await api.waitFor(operationId);
    expect(op.status, JSON.stringify(op.error)).toBe("succeeded");
  }
  expect(configState()).toEqual(files);
});
