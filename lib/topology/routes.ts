import "server-only";
import type { Route } from "@/lib/contract/topology";
import { readConfigFile } from "@/lib/fs/safe";
import { lbConfigFromLabels } from "@/lib/synapse/plan-lb";

interface Labelled {
  name: string;
  unit: { labels: Record<string, string> } | null;
}

const ROUTER_RE = /^traefik\.http\.routers\.([^.]+)\.(rule|service)$/;
const SERVICE_RE = /^traefik\.http\.services\.([^.]+)\./;

/**
 * The load balancer's routes as the processes' Traefik labels declare them: each router's rule
 * and the processes behind its service (every container that defines or targets that service).
 */
export function routesFromLabels(processes: Labelled[]): Route[] {
  const routers = new Map<string, { rule: string; service: string | null }>();
  const serviceTargets = new Map<string, Set<string>>();
  for (const p of processes) {
    const labels = p.unit?.labels ?? {};
    if (labels["traefik.enable"] === "false") continue;
    const ownServices = new Set<string>();
    for (const key of Object.keys(labels)) {
      const s = SERVICE_RE.exec(key);
      if (s) ownServices.add(s[1]);
    }
    const localRouters = new Map<string, { rule?: string; service?: string }>();
    for (const [key, value] of Object.entries(labels)) {
      const m = ROUTER_RE.exec(key);
      if (!m) continue;
      const r = localRouters.get(m[1]) ?? {};
      r[m[2] as "rule" | "service"] = value;
      localRouters.set(m[1], r);
    }
    for (const [name, r] of localRouters) {
      // Traefik's default: a router on a container with a single service uses that service.
      const service = r.service ?? (ownServices.size === 1 ? [...ownServices][0] : name);
      const known = routers.get(name);
      routers.set(name, { rule: r.rule ?? known?.rule ?? "", service: known?.service ?? service });
      ownServices.add(service);
    }
    for (const s of ownServices) {
      const set = serviceTargets.get(s) ?? new Set<string>();
      set.add(p.name);
      serviceTargets.set(s, set);
    }
  }
  return [...routers.entries()]
    .map(([router, r]) => ({ router, rule: r.rule, service: r.service ?? router, targets: [...(serviceTargets.get(r.service ?? router) ?? [])].sort() }))
    .sort((a, b) => a.router.localeCompare(b.router));
}

// --- What an nginx entrypoint routes, read from its config file. ---

/** A directive of nginx's config: its words, its block, and the comment that ends its line. */
interface Directive {
  words: string[];
  block: Directive[] | null;
  comment: string | null;
}

const MAX_CONFIG_CHARS = 1024 * 1024;
const MAX_DEPTH = 16;

/** Parses nginx's syntax (words, quotes, `;`, blocks, `#` comments); throws on what it cannot read. */
export function parseNginx(text: string): Directive[] {
  if (text.length > MAX_CONFIG_CHARS) throw new Error(`larger than ${MAX_CONFIG_CHARS} characters`);
  let i = 0;
  let line = 1;
  const fail = (why: string): never => {
    throw new Error(`line ${line}: ${why}`);
  };
  const block = (depth: number): Directive[] => {
    if (depth > MAX_DEPTH) fail(`blocks nested deeper than ${MAX_DEPTH}`);
    const out: Directive[] = [];
    let words: string[] = [];
    for (;;) {
      const ch = text[i];
      if (ch === undefined) {
        if (depth > 0) fail("a block is not closed");
        if (words.length > 0) fail(`"${words[0]}" does not end with ;`);
        return out;
      }
      if (ch === "\n") line++;
      if (/\s/.test(ch)) i++;
      else if (ch === "#") {
        const end = text.indexOf("\n", i);
        const comment = text.slice(i + 1, end === -1 ? text.length : end).trim();
        // A comment on the line of a directive just closed names what it is (the renderer writes `server …; # worker`).
        const last = out[out.length - 1];
        const sameLine = /[;}][ \t]*$/.test(text.slice(text.lastIndexOf("\n", i - 1) + 1, i));
        if (words.length === 0 && last && last.comment === null && sameLine) last.comment = comment;
        i = end === -1 ? text.length : end;
      } else if (ch === ";") {
        if (words.length === 0) fail("a ; without a directive");
        out.push({ words, block: null, comment: null });
        words = [];
        i++;
      } else if (ch === "{") {
        if (words.length === 0) fail("a block without a directive");
        i++;
        out.push({ words, block: block(depth + 1), comment: null });
        words = [];
      } else if (ch === "}") {
        if (depth === 0) fail("a } without its {");
        if (words.length > 0) fail(`"${words[0]}" does not end with ;`);
        i++;
        return out;
      } else if (ch === '"' || ch === "'") {
        let j = i + 1;
        while (j < text.length && text[j] !== ch) j += text[j] === "\\" ? 2 : 1;
        if (j >= text.length) fail("a quote is not closed");
        words.push(text.slice(i + 1, j));
        i = j + 1;
      } else {
        const m = /^[^\s;{}#"']+/.exec(text.slice(i, i + 4096))!;
        words.push(m[0]);
        i += m[0].length;
      }
    }
  };
  return block(0);
}

/**
 * The routes of an nginx config as the topology shows them: one per `location`, in file order,
 * with the upstream it proxies to and the processes behind it (a member's trailing comment names
 * it, as the renderer writes; otherwise its address). Throws when the file cannot be read.
 */
export function routesFromNginx(text: string): Route[] {
  const top = parseNginx(text);
  // A conf.d file is an http-context include; a whole nginx.conf has an http block around it.
  const http = top.find((d) => d.words[0] === "http" && d.block)?.block ?? top;
  const upstreams = new Map<string, string[]>();
  for (const d of http) {
    if (d.words[0] !== "upstream" || !d.block || d.words.length !== 2) continue;
    upstreams.set(d.words[1], d.block.filter((s) => s.words[0] === "server" && s.words[1]).map((s) => s.comment?.split(/\s+/)[0] || s.words[1]));
  }
  const routes: Route[] = [];
  const seen = new Map<string, number>();
  const visit = (locations: Directive[]) => {
    for (const d of locations) {
      if (d.words[0] !== "location" || !d.block) continue;
      const rule = d.words.slice(1).join(" ");
      const pass = d.block.find((s) => s.words[0] === "proxy_pass")?.words[1];
      const target = pass ? pass.replace(/^https?:\/\//, "").replace(/\/.*$/, "") : null;
      const n = (seen.get(rule) ?? 0) + 1;
      seen.set(rule, n);
      if (target !== null) routes.push({ router: `location ${rule}${n > 1 ? ` (${n})` : ""}`, rule: `location ${rule}`, service: target, targets: upstreams.get(target) ?? [target] });
      visit(d.block);
    }
  };
  for (const server of http.filter((d) => d.words[0] === "server" && d.block)) visit(server.block!);
  return routes;
}

/**
 * The routes of the deployment's nginx entrypoint (the container labelled as its load balancer),
 * read from its config file; null when there is none. A file that is missing or cannot be read is
 * a warning beside no routes, never a failed topology.
 */
export async function nginxRoutes(units: Array<{ name: string; labels: Record<string, string> }>, dir: string | null): Promise<{ routes: Route[]; warning: string | null } | null> {
  let found: { name: string; file: string } | null = null;
  try {
    for (const u of [...units].sort((a, b) => a.name.localeCompare(b.name))) {
      const file = lbConfigFromLabels(u.labels);
      if (file) {
        found = { name: u.name, file };
        break;
      }
    }
  } catch (err) {
    return { routes: [], warning: (err as Error).message };
  }
  if (!found) return null;
  if (!dir) return { routes: [], warning: `${found.name}: its routes cannot be read without SYNAPSE_CONFIG_DIR` };
  try {
    const read = await readConfigFile(dir, found.file);
    if (!read) return { routes: [], warning: `${found.name}: ${found.file} does not exist, so nginx routes nothing of ours` };
    return { routes: routesFromNginx(read.data.toString("utf8")), warning: null };
  } catch (err) {
    return { routes: [], warning: `${found.name}: cannot read the routes of ${found.file}: ${(err as Error).message}` };
  }
}
