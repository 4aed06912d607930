import { expect, test } from "@playwright/test";
import { execFileSync } from "node:child_process";
import { roleAllows } from "@/lib/auth/roles";
import { routeEntries, routeTable, type RouteKey } from "@/lib/api/routes";
import { allApiRoutes } from "./routes";

const base = () => test.info().project.use.baseURL!;

const routes = allApiRoutes();

test("the route list covers the API (sanity of the enumeration itself)", () => {
  const keys = routes.map((r) => `${r.method} ${r.path}`);
  for (const k of ["GET /api/topology", "GET /api/events", "GET /api/openapi.json", "POST /api/auth/logout", "GET /api/auth/me", "GET /api/health"]) {
    expect(keys).toContain(k);
  }
});

/** The access the table declares for a route file's handler (routes.test.ts proves every handler has one). */
const accessOf = (r: { method: string; template: string }) => routeTable[`${r.method} ${r.template}` as RouteKey]?.access;

for (const r of routes.filter((r) => accessOf(r) !== "public")) {
  test(`anonymous ${r.method} ${r.path} is refused with 401`, async ({ request }) => {
    const res = await request.fetch(r.path, { method: r.method, data: r.method === "GET" ? undefined : {}, maxRedirects: 0 });
    expect(res.status()).toBe(401);
    expect((await res.json()).error.code).toBe("unauthorized");
  });

  test(`a forged bearer token on ${r.method} ${r.path} is refused with 401`, async ({ request }) => {
    const res = await request.fetch(r.path, { method: r.method, headers: { Authorization: "Bearer sf_forged" }, data: r.method === "GET" ? undefined : {} });
    expect(res.status()).toBe(401);
  });
}

test("the public health check says only ok", async ({ request }) => {
  const res = await request.get("/api/health");
  expect(res.status()).toBe(200);
  expect(await res.json()).toEqual({ ok: true });
});

test.describe("every route × method × role", () => {
  const roles = ["viewer", "operator", "admin"] as const;
  const tokens: Record<string, string> = {};
  test.beforeAll(() => {
    for (const role of roles) {
      tokens[role] = execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/fleet.ts", "token", "create", "--role", role, "--name", `e2e-matrix-${role}`], {
        encoding: "utf8",
        env: { ...process.env, FLEET_DATA_DIR: process.env.FLEET_E2E_DATA_DIR },
        stdio: ["ignore", "pipe", "ignore"],
      }).trim().split("\n").pop()!;
    }
  });

  for (const r of routeEntries()) {
    for (const role of roles) {
      const allowed = r.spec.access === "public" || roleAllows(role, r.spec.access);
      test(`${role} ${r.key} → ${allowed ? "let through" : "403"}`, async () => {
        // Allowed mutations are sent a body they must refuse (a wrong shape, or a body where none is
        // taken): the answer proves the role passed, and nothing is changed.
        const url = new URL(r.path.replace(/\{[^}]+\}/g, "example") + (r.path.endsWith("/logs") || r.path === "/api/logs" ? "?tail=1" : ""), base());
        const ctl = new AbortController();
        const res = await fetch(url, {
          method: r.method,
          headers: { Authorization: `Bearer ${tokens[role]}`, ...(r.method === "GET" ? {} : { "Content-Type": "application/json" }) },
          body: r.method === "GET" ? undefined : JSON.stringify({ unexpected: true }),
          signal: ctl.signal,
        });
        ctl.abort(); // SSE routes stay open: the status is all this test reads
        if (!allowed) {
          expect(res.status).toBe(403);
        } else if (r.method === "GET") {
          expect([200, 404], `${res.status}`).toContain(res.status);
        } else {
          expect(res.status, `${r.key} as ${role}`).toBe(400);
        }
      });
    }
  }
});

test.describe("with credentials", () => {
  const cli = (...args: string[]) =>
    execFileSync("node_modules/.bin/tsx", ["--conditions=react-server", "scripts/fleet.ts", ...args], { encoding: "utf8", env: { ...process.env, FLEET_DATA_DIR: process.env.FLEET_E2E_DATA_DIR } }).trim().split("\n").pop()!;

  test("an API token with the viewer role reads the topology but may not act as more", async ({ request }) => {
    const token = cli("token", "create", "--role", "viewer", "--name", "e2e-viewer");
    expect(token).toMatch(/^sf_/);
    const auth = { Authorization: `Bearer ${token}` };
    const me = await request.get("/api/auth/me", { headers: auth });
    expect(await me.json()).toMatchObject({ role: "viewer", kind: "token" });
    const topo = await request.get("/api/topology", { headers: auth });
    expect(topo.status()).toBe(200);
    const body = await topo.json();
    expect(body.processes.map((p: { name: string }) => p.name)).toEqual(expect.arrayContaining(["main", "generic_worker1", "media_worker", "federation_sender1"]));
    expect(body.processes.find((p: { name: string }) => p.name === "main").health).toBe("healthy");
    expect(JSON.stringify(body)).not.toMatch(/registration_shared_secret|macaroon|password/i);
  });

  test("a session cookie does not authorize a cross-site POST (CSRF)", async ({ request }) => {
    const login = await request.post("/api/auth/login", { data: { username: "admin", password: process.env.FLEET_E2E_PASSWORD } });
    expect(login.status()).toBe(200);
    const evil = await request.post("/api/auth/logout", { headers: { Origin: "https://evil.example" } });
    expect(evil.status()).toBe(403);
    expect((await request.get("/api/auth/me")).status()).toBe(200);
    const ok = await request.post("/api/auth/logout", { headers: { Origin: new URL(test.info().project.use.baseURL!).origin } });
    expect(ok.status()).toBe(200);
    expect((await request.get("/api/auth/me")).status()).toBe(401);
  });

  test("the OpenAPI description lists every route, generated from the schemas", async ({ request }) => {
    const token = cli("token", "create", "--role", "viewer", "--name", "e2e-openapi");
    const res = await request.get("/api/openapi.json", { headers: { Authorization: `Bearer ${token}` } });
    expect(res.status()).toBe(200);
    const doc = await res.json();
    expect(doc.openapi).toMatch(/^3\./);
    for (const r of routes) {
      const p = r.template;
      expect(doc.paths[p] ?? {}, `${r.method} ${p} in openapi.json`).toHaveProperty(r.method.toLowerCase());
    }
    expect(doc.paths["/api/topology"].get.responses["200"].content["application/json"].schema.properties.processes).toMatchObject({ type: "array" });
  });

  test("the events stream sends SSE to a signed-in viewer", async () => {
    const token = cli("token", "create", "--role", "viewer", "--name", "e2e-sse");
    const ctl = new AbortController();
    const res = await fetch(new URL("/api/events", test.info().project.use.baseURL!), { headers: { Authorization: `Bearer ${token}` }, signal: ctl.signal });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    const { value } = await reader.read();
    expect(new TextDecoder().decode(value)).toContain(": connected");
    ctl.abort();
  });

  test("a principal holds at most 8 live event streams; the 9th is 429 and another principal is unaffected", async () => {
    const [mine, other] = [cli("token", "create", "--role", "viewer", "--name", "e2e-sse-cap"), cli("token", "create", "--role", "viewer", "--name", "e2e-sse-cap-2")];
    const ctl = new AbortController();
    const open = (token: string) => fetch(new URL("/api/events", test.info().project.use.baseURL!), { headers: { Authorization: `Bearer ${token}` }, signal: ctl.signal });
    try {
      for (let i = 0; i < 8; i++) expect((await open(mine)).status).toBe(200);
      const ninth = await open(mine);
      expect(ninth.status).toBe(429);
      expect((await ninth.json()).error.code).toBe("too_many_requests");
      expect((await open(other)).status).toBe(200);
    } finally {
      ctl.abort();
    }
  });
});

test("pages and API answers carry the security headers", async ({ request }) => {
  for (const path of ["/login", "/api/health", "/api/topology"]) {
    const res = await request.get(path, { maxRedirects: 0 });
    const h = res.headers();
    expect(h["content-security-policy"], path).toContain("frame-ancestors 'none'");
    expect(h["x-content-type-options"], path).toBe("nosniff");
    expect(h["referrer-policy"], path).toBe("no-referrer");
    expect(h["x-powered-by"], path).toBeUndefined();
    // The size an answer states for the server's compression (lib/api/json.ts) stays inside it.
    expect(h["x-fleet-body-bytes"], path).toBeUndefined();
  }
  // A few bytes go out as they are, not as a gzip stream.
  const small = await request.get("/api/health", { headers: { "accept-encoding": "gzip" } });
  expect(small.headers()["content-encoding"]).toBeUndefined();
  expect(await small.json()).toEqual({ ok: true });
});
