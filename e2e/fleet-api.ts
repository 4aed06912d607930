import { execFileSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { parse } from "yaml";
import type { Operation } from "@/lib/synapse/plan-schema";
import type { Topology } from "@/lib/contract/topology";
import { isRuntimeOutput } from "../tests/lab-env";

/** The browser suite runs against the lab's dashboard container (playwright.config.ts), not a host server. */
export function onContainerTarget(): boolean {
  return process.env.FLEET_E2E_TARGET === "container";
}

/** The dashboard's API as an operator's script would use it, with an API token. */
export class FleetApi {
  constructor(
    readonly baseURL: string,
    readonly token: string,
  ) {}

  static withRole(baseURL: string, role: "viewer" | "operator" | "admin"): FleetApi {
    const out = execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/fleet.ts", "token", "create", "--role", role, "--name", `e2e-${role}`], {
      encoding: "utf8",
      env: { ...process.env, FLEET_DATA_DIR: process.env.FLEET_E2E_DATA_DIR },
      stdio: ["ignore", "pipe", "ignore"],
    });
    return new FleetApi(baseURL, out.trim().split("\n").pop()!);
  }

  /**
   * A token of `role` for the dashboard under test: on the host through the CLI (withRole); against
   * the lab's dashboard container (FLEET_E2E_TARGET=container), whose image has no CLI and whose
   * database is in its volume, made by the admin through the admin API with a session of its own.
   */
  static async forTarget(baseURL: string, role: "viewer" | "operator" | "admin"): Promise<FleetApi> {
    if (!onContainerTarget()) return FleetApi.withRole(baseURL, role);
    const headers = { "Content-Type": "application/json", Origin: baseURL };
    const login = await fetch(`${baseURL}/api/auth/login`, {
      method: "POST",
      headers,
      body: JSON.stringify({ username: "admin", password: process.env.FLEET_E2E_PASSWORD }),
      signal: AbortSignal.timeout(30_000),
    });
    const session = login.headers.getSetCookie().find((c) => c.startsWith("fleet_session="))?.split(";")[0];
    if (login.status !== 200 || !session) throw new Error(`admin sign-in on ${baseURL}: HTTP ${login.status} ${await login.text()}`);
    const res = await fetch(`${baseURL}/api/admin/tokens`, {
      method: "POST",
      headers: { ...headers, Cookie: session },
      body: JSON.stringify({ name: `e2e-${role}`, role }),
      signal: AbortSignal.timeout(30_000),
    });
    const created = (await res.json()) as { token?: string };
    if (res.status !== 201 || !created.token) throw new Error(`POST /api/admin/tokens: HTTP ${res.status} ${JSON.stringify(created)}`);
    const logout = await fetch(`${baseURL}/api/auth/logout`, { method: "POST", headers: { Origin: baseURL, Cookie: session }, signal: AbortSignal.timeout(30_000) });
    if (!logout.ok) throw new Error(`POST /api/auth/logout: HTTP ${logout.status}`);
    return new FleetApi(baseURL, created.token);
  }

  async call<T>(method: string, urlPath: string, body?: unknown): Promise<{ status: number; json: T }> {
    // A spec may just have blocked the event loop (execFileSync): let pending socket events run
    // first, so a kept-alive connection the server closed meanwhile is seen closed, not reused.
    await new Promise((r) => setImmediate(r));
    const send = () =>
      fetch(this.baseURL + urlPath, {
        method,
        headers: { Authorization: `Bearer ${this.token}`, "Content-Type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(60_000),
      });
    // A read that met such a connection closing before any answer is sent again, as a browser does.
    const res = await send().catch((err: { cause?: { code?: string } }) => (method === "GET" && err.cause?.code === "UND_ERR_SOCKET" ? send() : Promise.reject(err)));
    const text = await res.text();
    return { status: res.status, json: (text ? JSON.parse(text) : null) as T };
  }

  async topology(): Promise<Topology> {
    const r = await this.call<Topology>("GET", "/api/topology");
    if (r.status !== 200) throw new Error(`GET /api/topology: ${r.status}`);
    return r.json;
  }

  /** Starts an operation (expects 202) and waits for it to end. */
  async run(method: string, urlPath: string, body?: unknown): Promise<Operation> {
    const r = await this.call<{ operationId: string; error?: { message: string } }>(method, urlPath, body);
    if (r.status !== 202) throw new Error(`${method} ${urlPath}: HTTP ${r.status} ${JSON.stringify(r.json)}`);
    return this.waitFor(r.json.operationId);
  }

  async waitFor(operationId: string, timeoutMs = 240_000): Promise<Operation> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const { json: op } = await this.call<Operation>("GET", `/api/operations/${operationId}`);
      if (op.status !== "applying" && op.status !== "planned") return op;
      if (Date.now() > end) throw new Error(`operation ${operationId} still ${op.status}`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }
}

/** The published host port of a process's http listener, to talk to it as a client would. */
export function httpBase(t: Topology, name: string): string {
  const p = t.processes.find((x) => x.name === name);
  if (!p) throw new Error(`no process ${name} in the topology`);
  const http = p.listeners.find((l) => l.type === "http" && !l.resources.every((r) => r === "replication"));
  const published = p.ports.find((x) => x.container === http?.port && x.host);
  if (!published?.host) throw new Error(`${name} publishes no http port`);
  return `http://localhost:${published.host}`;
}

export function configDir(): string {
  const dir = process.env.SYNAPSE_CONFIG_DIR;
  if (!dir) throw new Error("SYNAPSE_CONFIG_DIR is not set");
  return dir;
}

export function homeserver(): Record<string, unknown> & { instance_map?: Record<string, { host: string; port: number }> } {
  return parse(fs.readFileSync(path.join(configDir(), "homeserver.yaml"), "utf8"));
}

/** Every file of the config dir, by relative path: to prove a failed operation left it byte-identical. */
export function configFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (isRuntimeOutput(path.relative(configDir(), full))) continue;
      if (e.isDirectory()) walk(full);
      else out[path.relative(configDir(), full)] = fs.readFileSync(full, "utf8");
    }
  };
  walk(configDir());
  return out;
}

export interface PromSample {
  metric: Record<string, string>;
  value: [number, string];
}

/** An instant PromQL query against the lab's Prometheus (FLEET_PROMETHEUS_URL from the lab env). */
export async function promQuery(expr: string): Promise<PromSample[]> {
  const base = process.env.FLEET_PROMETHEUS_URL;
  if (!base) throw new Error("FLEET_PROMETHEUS_URL is not set");
  const res = await fetch(`${base}/api/v1/query`, {
    method: "POST",
    headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ query: expr }),
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await res.json()) as { status: string; error?: string; data?: { result: PromSample[] } };
  if (body.status !== "success" || !body.data) throw new Error(`Prometheus ${expr}: ${body.error ?? res.status}`);
  return body.data.result;
}

/** The file_sd target groups the plans write (prometheus/synapse-targets.json), by worker name. */
export function scrapeTargets(): Map<string, Record<string, string>> {
  const groups = JSON.parse(fs.readFileSync(path.join(configDir(), "prometheus", "synapse-targets.json"), "utf8")) as Array<{ labels: Record<string, string> }>;
  return new Map(groups.map((g) => [g.labels.worker, g.labels]));
}
