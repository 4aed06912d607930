// Saving config files against the REAL lab (workers mode), through the route handler with a real
// operator token: refusals leave every file byte-identical; a save restarts the worker it concerns
// and it comes back healthy; two saves on one base give one 202 and one 409. The lab is put back.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getFile, PUT as putFile } from "@/app/api/config/files/[...path]/route";
import { GET as getFileRoute, POST as revealRoute } from "@/app/api/config/files/[...path]/route";
import { POST as planRoute } from "@/app/api/config/plan/route";
import { POST as validateRoute } from "@/app/api/config/validate/route";
import { createApiToken } from "@/lib/auth";
import { closeDb } from "@/lib/db";
import { listAudit } from "@/lib/audit";
import { getOperation } from "@/lib/operations";
import { fileVersion } from "@/lib/synapse/file-version";
import { spawnSync } from "node:child_process";
import { docker, eventually, readTree, requireLab } from "./lab-env";

const GW = "workers/generic_worker1.yaml";
let configDir: string;
let dataDir: string;
let token: string;

beforeAll(async () => {
  configDir = requireLab().configDir;
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-config-test-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  token = (await createApiToken({ role: "operator", name: "config tests" })).token;
});
afterAll(async () => {
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

function put(rel: string, body: unknown, contentType = "application/json"): Promise<Response> {
  const req = new NextRequest(`http://fleet.local/api/config/files/${rel}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": contentType },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
  return putFile(req, { params: Promise.resolve({ path: rel.split("/") }) });
}

async function read(rel: string): Promise<{ content: string; version: string }> {
  const req = new NextRequest(`http://fleet.local/api/config/files/${rel}`, { headers: { authorization: `Bearer ${token}` } });
  const res = await getFile(req, { params: Promise.resolve({ path: rel.split("/") }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { content: string; version: string };
}

function post(handler: typeof planRoute, url: string, body: unknown): Promise<Response> {
  const req = new NextRequest(`http://fleet.local${url}`, { method: "POST", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify(body) });
  return handler(req, { params: Promise.resolve({}) });
}

async function finished(operationId: string) {
  return eventually(async () => {
    const op = await getOperation(operationId);
    return op && ["succeeded", "failed", "interrupted"].includes(op.status) ? op : null;
  }, 180_000, `operation ${operationId} to end`);
}

describe("saving config files on the lab", () => {
  it("refuses bad saves with their 4xx and leaves every file byte-identical", async () => {
    const before = readTree(configDir);
    const gw = await read(GW);
    const hs = await read("homeserver.yaml");
    const cases: Array<[() => Promise<Response>, number, string?]> = [
      [() => put(GW, { content: gw.content + "# stale\n", baseVersion: "made-up" }), 409, "stale_base"],
      [() => put(GW, { content: gw.content.replace("names: [replication]", "names: [client]"), baseVersion: gw.version }), 422, "findings"],
      [() => put(GW, { content: gw.content.replace("worker_name: generic_worker1", "worker_name: renamed"), baseVersion: gw.version }), 400],
      [() => put("homeserver.yaml", { content: hs.content.replace(/^server_name: .*$/m, "server_name: «masked»"), baseVersion: hs.version }), 422, "findings"],
      [() => put("..%2F..%2Fetc%2Fpasswd", { content: "x", baseVersion: "x" }), 400],
      [() => put("workers/nope.yaml", { content: "x", baseVersion: "x" }), 404],
      [() => put("prometheus/synapse-targets.json", { content: "[]", baseVersion: "x" }), 400],
      [() => put(GW, { content: gw.content }), 400],
      [() => put(GW, "content=x", "text/plain"), 415],
      [() => put(GW, { content: "x".repeat(1024 * 1024 + 10), baseVersion: gw.version }), 413],
    ];
    // One at a time: each must be refused on its own merits, not for another one's lock.
    for (const [call, status, reason] of cases) {
      const r = await call();
      const body = (await r.json()) as { error: { details?: { reason?: string; current?: Record<string, string> } } };
      expect(r.status, JSON.stringify(body)).toBe(status);
      if (reason) expect(body.error.details?.reason).toBe(reason);
      if (reason === "stale_base") expect(body.error.details?.current).toEqual({ [GW]: fileVersion(readFileSync(path.join(configDir, GW))) });
    }
    expect(readTree(configDir)).toEqual(before);
  });

  it("an unchanged save starts nothing; a save restarts its worker healthy; a second save on the same base is 409", async () => {
    const original = readFileSync(path.join(configDir, GW), "utf8");
    const gw = await read(GW);
    const same = await put(GW, { content: gw.content, baseVersion: gw.version });
    expect(same.status).toBe(200);
    expect(await same.json()).toEqual({ unchanged: true });

    const edited = gw.content + "# saved by the config test\n";
    const [first, second] = await Promise.all([put(GW, { content: edited, baseVersion: gw.version }), put(GW, { content: edited, baseVersion: gw.version })]);
    const statuses = [first.status, second.status].sort();
    expect(statuses).toEqual([202, 409]);
    const accepted = first.status === 202 ? first : second;
    const op = await finished(((await accepted.json()) as { operationId: string }).operationId);
    expect(op.status, op.error ?? "").toBe("succeeded");
    expect(op.steps.map((s) => `${s.kind} ${s.target ?? ""}`.trim())).toEqual(["write_files", "restart generic_worker1", "wait_healthy generic_worker1"]);
    expect(readFileSync(path.join(configDir, GW), "utf8")).toBe(original + "# saved by the config test\n");

    // Put it back the same way.
    const now = await read(GW);
    const back = await put(GW, { content: original, baseVersion: now.version });
    expect(back.status).toBe(202);
    expect((await finished(((await back.json()) as { operationId: string }).operationId)).status).toBe("succeeded");
    expect(readFileSync(path.join(configDir, GW), "utf8")).toBe(original);

    // Both versions are in the history now, and an earlier one opens masked.
    const list = await getFileRoute(new NextRequest(`http://fleet.local/api/config/files/${GW}/versions`, { headers: { authorization: `Bearer ${token}` } }), {
      params: Promise.resolve({ path: [...GW.split("/"), "versions"] }),
    });
    const { versions } = (await list.json()) as { versions: Array<{ version: string }> };
    const editedVersion = fileVersion(original + "# saved by the config test\n");
    expect(versions.map((v) => v.version)).toEqual(expect.arrayContaining([fileVersion(original), editedVersion]));
    const old = await getFileRoute(new NextRequest(`http://fleet.local/api/config/files/${GW}/versions/${editedVersion}`, { headers: { authorization: `Bearer ${token}` } }), {
      params: Promise.resolve({ path: [...GW.split("/"), "versions", editedVersion] }),
    });
    expect(((await old.json()) as { content: string }).content).toContain("# saved by the config test");
  }, 400_000);

  it("reveals one secret to an admin only, and the audit names the key, never the value", async () => {
    const admin = (await createApiToken({ role: "admin", name: "config reveal" })).token;
    const disk = readFileSync(path.join(configDir, "homeserver.yaml"), "utf8");
    const secret = /^registration_shared_secret:\s*"([^"]+)"/m.exec(disk)![1];
    const reveal = (who: string, key: string) =>
      revealRoute(
        new NextRequest("http://fleet.local/api/config/files/homeserver.yaml/reveal", { method: "POST", headers: { authorization: `Bearer ${who}`, "content-type": "application/json" }, body: JSON.stringify({ key }) }),
        { params: Promise.resolve({ path: ["homeserver.yaml", "reveal"] }) },
      );
    expect((await reveal(token, "registration_shared_secret")).status).toBe(403);
    const res = await reveal(admin, "registration_shared_secret");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ path: "homeserver.yaml", key: "registration_shared_secret", value: secret });
    expect((await reveal(admin, "server_name")).status).toBe(400);
    const entries = await listAudit({ limit: 20 });
    const entry = entries.find((e) => e.action === "POST /api/config/files/{path}" && e.status === 200);
    expect(entry).toMatchObject({ actor: "config reveal", target: "homeserver.yaml", detail: "reveal registration_shared_secret" });
    expect(JSON.stringify(entries)).not.toContain(secret);
  });

  it("validates edited files as the browser does, and previews a save without applying it (secrets masked)", async () => {
    const before = readTree(configDir);
    const gw = await read(GW);
    const broken = gw.content.replace("names: [replication]", "names: [client]");
    const v = await post(validateRoute, "/api/config/validate", { files: { "homeserver.yaml": readFileSync(path.join(configDir, "homeserver.yaml"), "utf8"), [GW]: broken } });
    expect(v.status).toBe(200);
    const { findings } = (await v.json()) as { findings: Array<{ rule: string; file: string; line: number }> };
    expect(findings.find((f) => f.rule === "writer-replication-listener")).toMatchObject({ file: GW });

    const hs = await read("homeserver.yaml");
    const p = await post(planRoute, "/api/config/plan", { path: "homeserver.yaml", content: hs.content + "max_upload_size: 100M\n", baseVersion: hs.version });
    const text = await p.text();
    expect(p.status, text).toBe(200);
    const plan = JSON.parse(text) as { restarts: Array<{ process: string }>; files: Array<{ path: string }> };
    expect(plan.files.map((f) => f.path)).toEqual(["homeserver.yaml"]);
    expect(plan.restarts.map((r) => r.process)).toContain("main");
    expect(plan.restarts.length).toBeGreaterThanOrEqual(2);
    const disk = readFileSync(path.join(configDir, "homeserver.yaml"), "utf8");
    for (const secret of [...disk.matchAll(/^(?:registration_shared_secret|macaroon_secret_key|form_secret):\s*"?([^"\n]+)"?/gm)].map((m) => m[1])) {
      expect(text).not.toContain(secret);
    }
    expect(readTree(configDir)).toEqual(before);
  });

  it("a log config that writes to a file is reloaded (SIGHUP): no process restarts, and it is put back", async () => {
    const startedAt = () => docker("ps", "-q", "--filter", "label=com.docker.compose.project=fleetlab").split("\n").map((id) => docker("inspect", "-f", "{{.Name}} {{.State.StartedAt}}", id)).sort();
    const before = startedAt();
    const rel = "media_worker.log.config";
    const original = readFileSync(path.join(configDir, rel), "utf8");
    const file = await read(rel);
    const res = await put(rel, { content: file.content + "# reloaded by the config test\n", baseVersion: file.version });
    expect(res.status).toBe(202);
    const op = await finished(((await res.json()) as { operationId: string }).operationId);
    expect(op.status, op.error ?? "").toBe("succeeded");
    // Only the media worker names this file.
    expect(op.steps.filter((s) => s.kind === "reload").map((s) => s.target)).toEqual(["media_worker"]);
    expect(op.steps.some((s) => s.kind === "restart")).toBe(false);
    expect(startedAt()).toEqual(before);
    const now = await read(rel);
    const back = await put(rel, { content: original, baseVersion: now.version });
    expect((await finished(((await back.json()) as { operationId: string }).operationId)).status).toBe("succeeded");
    expect(readFileSync(path.join(configDir, rel), "utf8")).toBe(original);
  }, 300_000);

  it("a log config that writes to the console restarts the processes naming it: a SIGHUP would loop their output (matrix-org/synapse#6550)", async () => {
    const original = readFileSync(path.join(configDir, "log.config"), "utf8");
    const file = await read("log.config");
    const since = new Date().toISOString();
    const res = await put("log.config", { content: file.content + "# restarted by the config test\n", baseVersion: file.version });
    expect(res.status).toBe(202);
    const op = await finished(((await res.json()) as { operationId: string }).operationId);
    expect(op.status, op.error ?? "").toBe("succeeded");
    // media_worker names its own log config (it logs to a file), so log.config is not its own.
    expect(op.steps.filter((s) => s.kind === "restart").map((s) => s.target).sort()).toEqual(["federation_sender1", "generic_worker1", "main"]);
    expect(op.steps.some((s) => s.kind === "reload")).toBe(false);
    // Their logging works as before: no line looped back through the redirected stdout.
    for (const name of ["fleetlab_synapse_1", "fleetlab_synapse-worker-generic_1", "fleetlab_synapse-worker-federation-sender_1"]) {
      const logs = spawnSync("docker", ["logs", "--since", since, name], { encoding: "utf8" });
      expect(logs.stdout + logs.stderr).not.toContain("logging during logging");
    }
    const now = await read("log.config");
    const back = await put("log.config", { content: original, baseVersion: now.version });
    expect((await finished(((await back.json()) as { operationId: string }).operationId)).status).toBe("succeeded");
    expect(readFileSync(path.join(configDir, "log.config"), "utf8")).toBe(original);
  }, 300_000);
});
