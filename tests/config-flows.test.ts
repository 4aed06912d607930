// The config editor's save path against the REAL lab, as an operator would use it: a metrics port
// that Prometheus follows, a log config Synapse cannot load (put back by compensation), and a
// homeserver.yaml key every process reads. Each test puts the lab back byte for byte.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { NextRequest } from "next/server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { GET as getFile, PUT as putFile } from "@/app/api/config/files/[...path]/route";
import { createApiToken } from "@/lib/auth";
import { closeDb } from "@/lib/db";
import { getOperation } from "@/lib/operations";
import type { Operation } from "@/lib/synapse/plan-schema";
import { docker, eventually, readTree, requireLab } from "./lab-env";

const GW = "workers/generic_worker1.yaml";
let configDir: string;
let dataDir: string;
let token: string;

beforeAll(async () => {
  configDir = requireLab().configDir;
  dataDir = mkdtempSync(path.join(os.tmpdir(), "fleet-config-flows-"));
  process.env.FLEET_DATA_DIR = dataDir;
  delete process.env.DATABASE_URL;
  token = (await createApiToken({ role: "operator", name: "config flows" })).token;
});
afterAll(async () => {
  await closeDb();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

async function read(rel: string): Promise<{ content: string; version: string }> {
  const res = await getFile(new NextRequest(`http://fleet.local/api/config/files/${rel}`, { headers: { authorization: `Bearer ${token}` } }), { params: Promise.resolve({ path: rel.split("/") }) });
  expect(res.status).toBe(200);
  return (await res.json()) as { content: string; version: string };
}

/** Saves through the route and waits for the operation to end. */
async function save(rel: string, edit: (masked: string) => string): Promise<Operation> {
  const file = await read(rel);
  const req = new NextRequest(`http://fleet.local/api/config/files/${rel}`, {
    method: "PUT",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({ content: edit(file.content), baseVersion: file.version }),
  });
  const res = await putFile(req, { params: Promise.resolve({ path: rel.split("/") }) });
  const body = (await res.json()) as { operationId: string };
  expect(res.status, JSON.stringify(body)).toBe(202);
  return eventually(async () => {
    const op = await getOperation(body.operationId);
    return op && ["succeeded", "failed", "interrupted"].includes(op.status) ? op : null;
  }, 240_000, `operation ${body.operationId} to end`);
}

const running = (service: string) => docker("inspect", "-f", "{{.State.Running}}", docker("ps", "-aq", "--filter", `label=com.docker.compose.service=${service}`, "--filter", "label=com.docker.compose.project=fleetlab").split("\n")[0]) === "true";

async function upOnPort(worker: string, port: number): Promise<boolean> {
  const q = encodeURIComponent(`up{worker="${worker}"}`);
  const res = await fetch(`${process.env.FLEET_PROMETHEUS_URL}/api/v1/query?query=${q}`);
  const data = (await res.json()) as { data: { result: Array<{ metric: { instance: string }; value: [number, string] }> } };
  return data.data.result.some((r) => r.metric.instance.endsWith(`:${port}`) && r.value[1] === "1");
}

describe("config saves on the lab", () => {
  it("a new metrics port restarts the worker and moves its Prometheus target: up == 1 on the new port", async () => {
    const before = readTree(configDir);
    const op = await save(GW, (t) => t.replace("port: 9001", "port: 9011"));
    expect(op.status, op.error ?? "").toBe("succeeded");
    expect(op.plan.files.map((f) => f.path).sort()).toEqual(["prometheus/synapse-targets.json", GW]);
    expect(op.plan.restarts.map((r) => r.process)).toEqual(["generic_worker1"]);
    await eventually(() => upOnPort("generic_worker1", 9011), 60_000, "Prometheus to scrape generic_worker1 on 9011");
    const back = await save(GW, (t) => t.replace("port: 9011", "port: 9001"));
    expect(back.status, back.error ?? "").toBe("succeeded");
    expect(readTree(configDir)).toEqual(before);
    await eventually(() => upOnPort("generic_worker1", 9001), 60_000, "Prometheus to scrape generic_worker1 on 9001 again");
  }, 300_000);

  it("a log config the worker cannot load fails the save: the worker's last lines are kept, the files are put back and it runs again", async () => {
    const before = readTree(configDir);
    const op = await save(GW, (t) => t.replace(/^worker_log_config: .*$/m, "worker_log_config: /data/no-such-log.config"));
    expect(op.status).toBe("failed");
    expect(op.error).toMatch(/generic_worker1/);
    expect((op.failureLogs ?? []).join("\n")).toMatch(/no-such-log\.config|No such file/i);
    expect(readTree(configDir)).toEqual(before);
    expect(running("synapse-worker-generic")).toBe(true);
  }, 300_000);

  it("a homeserver.yaml key outside the restart table restarts every process, and the masked secrets stay as they were", async () => {
    const original = readFileSync(path.join(configDir, "homeserver.yaml"), "utf8");
    const op = await save("homeserver.yaml", (t) => `${t}max_upload_size: 60M\n`);
    expect(op.status, op.error ?? "").toBe("succeeded");
    expect(op.plan.restarts.map((r) => r.process).sort()).toEqual(["federation_sender1", "generic_worker1", "main", "media_worker"]);
    expect(readFileSync(path.join(configDir, "homeserver.yaml"), "utf8")).toBe(`${original}max_upload_size: 60M\n`);
    const back = await save("homeserver.yaml", (t) => t.replace("max_upload_size: 60M\n", ""));
    expect(back.status, back.error ?? "").toBe("succeeded");
    expect(readFileSync(path.join(configDir, "homeserver.yaml"), "utf8")).toBe(original);
  }, 300_000);
});
