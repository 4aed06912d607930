import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { routeEntries, routeTable } from "./routes";

const apiDir = path.resolve(import.meta.dirname, "../../app/api");

/** Every handler the route files export, as "METHOD /api/path" with the key its apiRoute call names. */
function exportedHandlers(): Array<{ file: string; key: string; named: string | null }> {
  const out: Array<{ file: string; key: string; named: string | null }> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) walk(full);
      else if (e.name === "route.ts") {
        const p = "/api/" + path.relative(apiDir, dir).split(path.sep).map((s) => s.replace(/^\[(?:\.\.\.)?(.+)\]$/, "{$1}")).join("/");
        const src = fs.readFileSync(full, "utf8");
        for (const m of src.matchAll(/export (?:const|async function|function) (GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS)\b([^\n]*)/g)) {
          const named = /apiRoute(?:<[^>]*>)?\("([^"]+)"/.exec(m[2])?.[1] ?? null;
          out.push({ file: path.relative(apiDir, full), key: `${m[1]} ${p}`, named });
        }
      }
    }
  };
  walk(apiDir);
  return out;
}

describe("the route table", () => {
  const handlers = exportedHandlers();

  it("declares exactly the handlers the route files export", () => {
    expect(routeEntries().map((r) => r.key).sort()).toEqual(handlers.map((h) => h.key).sort());
  });

  it("is what every handler is wrapped with, under its own method and path", () => {
    for (const h of handlers) expect(h.named, `${h.file}: ${h.key} must be apiRoute("${h.key}", …)`).toBe(h.key);
  });

  it("gives every route a role, and only sign-in and the health check are public", () => {
    const open = routeEntries().filter((r) => r.spec.access === "public").map((r) => r.key);
    expect(open.sort()).toEqual(["GET /api/health", "POST /api/auth/login"]);
  });

  it("lets no viewer change anything: every mutation but sign-out needs operator or admin", () => {
    for (const r of routeEntries()) {
      if (r.method === "GET" || r.spec.readOnly || r.key === "POST /api/auth/logout" || r.key === "POST /api/auth/login") continue;
      expect(["operator", "admin"], r.key).toContain(r.spec.access);
    }
  });

  it("keeps the admin area and secret reveals to admins", () => {
    for (const r of routeEntries()) if (r.path.startsWith("/api/admin/") || r.spec.revealsSecrets) expect(r.spec.access, r.key).toBe("admin");
    expect(routeTable["GET /api/export/compose"].access).toBe("operator");
  });
});
