import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { openApiDocument, operations } from "./openapi";

function routeFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const full = path.join(dir, e.name);
    return e.isDirectory() ? routeFiles(full) : e.name === "route.ts" ? [full] : [];
  });
}

describe("openApiDocument", () => {
  it("describes every exported handler of every route file", () => {
    const apiDir = path.resolve(import.meta.dirname, "../../app/api");
    const defined = routeFiles(apiDir).flatMap((f) => {
      const p = "/api/" + path.relative(apiDir, path.dirname(f)).split(path.sep).map((s) => s.replace(/^\[(.+)\]$/, "{$1}")).join("/");
      return [...fs.readFileSync(f, "utf8").matchAll(/export const (GET|POST|PUT|PATCH|DELETE)\b/g)].map((m) => `${m[1].toLowerCase()} ${p}`);
    });
    expect(operations.map((o) => `${o.method} ${o.path}`).sort()).toEqual(defined.sort());
  });

  it("turns the topology schema into JSON Schema with the process fields", () => {
    const doc = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> }>> };
    const schema = doc.paths["/api/topology"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["processes", "services", "routes", "docker"]));
    expect(doc.paths["/api/topology"].get.responses).toHaveProperty("401");
    expect(doc.paths["/api/health"].get.responses).not.toHaveProperty("401");
  });
});
