import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { probes, type Probe, type ProbeRole } from "../tests/security/corpus";
import { readTree } from "../tests/lab-env";

// Replays the bad-input corpus (tests/security/corpus.ts) over HTTP against the real dashboard
// and lab: each probe gets the 4xx it names, and afterwards the config files, the containers and
// the history are exactly as they were.

const tokens: Partial<Record<ProbeRole, string>> = {};

function createToken(role: Exclude<ProbeRole, "anonymous">): string {
  return execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/fleet.ts", "token", "create", "--role", role, "--name", `e2e-probe-${role}`], {
    encoding: "utf8",
    env: { ...process.env, FLEET_DATA_DIR: process.env.FLEET_E2E_DATA_DIR },
    stdio: ["ignore", "pipe", "ignore"],
  }).trim().split("\n").pop()!;
}

function configHashes(): Record<string, string> {
  const dir = process.env.SYNAPSE_CONFIG_DIR!;
  return Object.fromEntries([...readTree(dir)].map(([p, bytes]) => [p, createHash("sha256").update(bytes).digest("hex")]));
}

function containers(): string[] {
  return execFileSync("docker", ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}} {{.State}}"], { encoding: "utf8" }).trim().split("\n").sort();
}

async function historyIds(base: string): Promise<string[]> {
  const res = await fetch(`${base}/api/history?limit=200`, { headers: { Authorization: `Bearer ${tokens.admin}` } });
  expect(res.status).toBe(200);
  return ((await res.json()) as Array<{ id: string; status: string }>).map((o) => `${o.id} ${o.status}`);
}

function bodyOf(p: Probe): { body?: BodyInit; type?: string; chunked?: boolean } {
  if (!p.body) return {};
  if ("json" in p.body) return { body: JSON.stringify(p.body.json), type: "application/json" };
  if ("raw" in p.body) return { body: p.body.raw, type: p.body.type };
  const filler = JSON.stringify({ type: "generic", pad: "x".repeat(Math.max(0, p.body.bytes - 30)) });
  if (!p.body.chunked) return { body: filler, type: "application/json" };
  const bytes = new TextEncoder().encode(filler);
  let at = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (at >= bytes.length) return ctrl.close();
      ctrl.enqueue(bytes.subarray(at, at + 64 * 1024));
      at += 64 * 1024;
    },
  });
  return { body: stream, type: "application/json", chunked: true };
}

async function send(base: string, p: Probe): Promise<{ status: number; code?: string }> {
  const { body, type, chunked } = bodyOf(p);
  const headers: Record<string, string> = { ...(type ? { "Content-Type": type } : {}), ...p.headers };
  if (p.as !== "anonymous") headers.Authorization = `Bearer ${tokens[p.as]}`;
  let res: Response;
  try {
    res = await fetch(base + p.path, { method: p.method, headers, body, signal: AbortSignal.timeout(20_000), ...(chunked ? { duplex: "half" } : {}) } as RequestInit);
  } catch (err) {
    // A server that answers 413 and closes while a large upload is still going may reset it.
    if (p.status === 413) return { status: 413, code: "payload_too_large" };
    throw new Error(`${p.name}: ${p.method} ${p.path.slice(0, 80)} failed: ${(err as Error).message}`, { cause: err });
  }
  const text = await res.text();
  let code: string | undefined;
  try {
    code = (JSON.parse(text) as { error?: { code?: string } }).error?.code;
  } catch {
    code = undefined;
  }
  return { status: res.status, code };
}

test("the bad-input corpus gets the answers it names, and changes nothing", async () => {
  test.setTimeout(240_000);
  expect(probes.length).toBeGreaterThanOrEqual(60);
  const base = test.info().project.use.baseURL!;
  for (const role of ["viewer", "operator", "admin"] as const) tokens[role] = createToken(role);

  const before = { files: configHashes(), containers: containers(), history: await historyIds(base) };
  const wrong: string[] = [];
  for (const p of probes) {
    const got = await send(base, p);
    if (got.status !== p.status || (p.code && got.code !== p.code)) {
      wrong.push(`${p.name}: ${p.method} ${p.path.slice(0, 80)} → ${got.status} ${got.code ?? ""}, expected ${p.status} ${p.code ?? ""}`);
    }
  }
  expect(wrong, wrong.join("\n")).toEqual([]);

  expect(configHashes()).toEqual(before.files);
  expect(containers()).toEqual(before.containers);
  expect(await historyIds(base)).toEqual(before.history);
  const health = await fetch(`${base}/api/health`);
  expect(health.status).toBe(200);
});

test("the public folder serves the favicon and a robots.txt that keeps the console out of search engines, without a session", async ({ request }) => {
  const robots = await request.get("/robots.txt");
  expect(robots.status()).toBe(200);
  expect(await robots.text()).toMatch(/^User-agent: \*\nDisallow: \/$/m);
  const icon = await request.get("/favicon.svg");
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
  // The pages name it, and tell robots not to index them either.
  const login = await (await request.get("/login")).text();
  expect(login).toContain('href="/favicon.svg"');
  expect(login).toMatch(/<meta name="robots" content="noindex, nofollow"/);
});
