import fs from "node:fs";
import path from "node:path";

export interface ApiRoute {
  method: string;
  /** A callable URL: every [param] segment filled with "example". */
  path: string;
  /** The OpenAPI path: every [param] segment as {param}. */
  template: string;
  file: string;
}

const ROOT = path.resolve(import.meta.dirname, "..", "app", "api");

/** Every API route the app defines, read from the route files themselves so none is forgotten. */
export function allApiRoutes(): ApiRoute[] {
  const out: ApiRoute[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/^route\.tsx?$/.test(entry.name)) {
        const src = fs.readFileSync(full, "utf8");
        const segments = path.relative(ROOT, dir).split(path.sep);
        const urlPath = "/api/" + segments.map((seg) => (seg.startsWith("[") ? "example" : seg)).join("/");
        const template = "/api/" + segments.map((seg) => seg.replace(/^\[(?:\.\.\.)?(.+)\]$/, "{$1}")).join("/");
        for (const m of src.matchAll(/export\s+(?:const|async function|function)\s+(GET|POST|PUT|PATCH|DELETE)\b/g)) {
          out.push({ method: m[1], path: urlPath.replace(/\/$/, ""), template: template.replace(/\/$/, ""), file: path.relative(process.cwd(), full) });
        }
      }
    }
  };
  walk(ROOT);
  return out.sort((a, b) => a.path.localeCompare(b.path) || a.method.localeCompare(b.method));
}
