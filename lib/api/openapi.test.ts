import { describe, expect, it } from "vitest";
import { openApiDocument } from "./openapi";
import { routeEntries } from "./routes";

type Doc = { paths: Record<string, Record<string, { "x-required-role": string; responses: Record<string, { content: Record<string, { schema: { properties: Record<string, unknown> } }> }> }>> };

describe("openApiDocument", () => {
  it("describes every route of the table with the role the wrapper enforces", () => {
    const doc = openApiDocument() as Doc;
    for (const { method, path, spec } of routeEntries()) {
      expect(doc.paths[path]?.[method.toLowerCase()]?.["x-required-role"], `${method} ${path}`).toBe(spec.access);
    }
  });

  it("turns the topology schema into JSON Schema with the process fields", () => {
    const doc = openApiDocument() as Doc;
    const schema = doc.paths["/api/topology"].get.responses["200"].content["application/json"].schema;
    expect(Object.keys(schema.properties)).toEqual(expect.arrayContaining(["processes", "services", "routes", "docker"]));
    expect(doc.paths["/api/topology"].get.responses).toHaveProperty("401");
    expect(doc.paths["/api/health"].get.responses).not.toHaveProperty("401");
    expect(doc.paths["/api/workers"].post.responses).toHaveProperty("413");
  });
});
