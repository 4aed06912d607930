import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node, type Scalar } from "yaml";
import type { ContainerSpec, DeploymentSnapshot, Plan, Step } from "./plan-schema";
import { isHarmlessValue, isSecretKey } from "./secret-keys";
import { MASK, replaceInArgs, replaceInEnv, replaceInLabels, replaceInText, type Replacer } from "./secret-patterns";

/**
 * The one masking policy for everything a deployment's data carries out of the server: the API
 * (plans, operations, history, topology), the operation streams and the dashboard's own log.
 * Secrets are found by name (secret-keys.ts) and by shape (secret-patterns.ts); only the secret
 * part becomes «masked», so hosts, ports, paths and every other byte stay readable.
 * Pure and browser-safe. Log lines of Synapse processes are not masked: viewers read them by design.
 */

export { MASK };
export { isSecretKey };

const masked: Replacer = () => MASK;

/** Credential shapes in free text (URLs with passwords, bearer tokens, PEM keys, `password=…`): for messages and errors. */
export function maskValue(text: string): string {
  return replaceInText(text, masked);
}

/** Environment variables: secret names («masked» whole), credential shapes in the others. */
export function maskEnv(env: Record<string, string>): Record<string, string> {
  return replaceInEnv(env, masked);
}

/** A command line: `--password x`, `--password=x`, URLs with credentials and other shapes. */
export function maskArgs(argv: readonly string[]): string[] {
  return replaceInArgs(argv, masked);
}

/** Container labels: Traefik basic-auth hashes, secret-named labels, credential shapes. */
export function maskLabels(labels: Record<string, string>): Record<string, string> {
  return replaceInLabels(labels, masked);
}

/**
 * A container spec (or snapshot container) with its env, command, entrypoint and labels masked, and
 * its engine record and network endpoints too: a healthcheck command, a log driver's option
 * (`splunk-token`) or a sysctl may carry a secret, masked by name and by shape like the rest.
 */
export function maskSpec<T extends ContainerSpec>(spec: T): T {
  return {
    ...spec,
    env: maskEnv(spec.env),
    cmd: maskArgs(spec.cmd),
    entrypoint: spec.entrypoint ? maskArgs(spec.entrypoint) : null,
    labels: maskLabels(spec.labels),
    networks: spec.networks.map((n) => (n.endpoint ? { ...n, endpoint: maskDeep(n.endpoint) } : n)),
    ...(spec.engine ? { engine: { config: maskDeep(spec.engine.config), hostConfig: maskDeep(spec.engine.hostConfig) } } : {}),
  };
}

function maskedToken(scalar: Scalar): string {
  if (scalar.type === "QUOTE_DOUBLE") return `"${MASK}"`;
  if (scalar.type === "QUOTE_SINGLE") return `'${MASK}'`;
  return MASK;
}

/** Source ranges of every scalar leaf under a node, with the text that replaces each. */
function leafRanges(node: unknown, out: Array<[number, number, string]>): void {
  if (isScalar(node)) {
    // A boolean or null says nothing secret (`registration_requires_token: true`).
    if (node.range && node.value !== null && node.value !== "" && typeof node.value !== "boolean") {
      // A block scalar's range runs to the start of the next line: keep its line break.
      const end = node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED" ? node.range[1] - 1 : node.range[1];
      out.push([node.range[0], Math.max(node.range[0], end), maskedToken(node)]);
    }
  } else if (isMap(node) || isSeq(node)) {
    for (const item of node.items) leafRanges(isPair(item) ? item.value : item, out);
  }
}

/** Line-based fallback for text that is not valid YAML: `key: value` lines with a secret key. */
function maskLines(text: string): string {
  return text.replace(/^(\s*-?\s*["']?)([A-Za-z0-9_]+)(["']?\s*:[ \t]+)([^\n#]*?)([ \t]*(#[^\n]*)?)$/gm, (all, pre, key, sep, value, tail) =>
    isSecretKey(key) && !isHarmlessValue(value) ? `${pre}${key}${sep}${MASK}${tail}` : all,
  );
}

/**
 * Masks a YAML (or JSON) config text: every value under a secret key at any depth, then
 * credential shapes anywhere, comments included. Every other byte of the file stays as it was.
 */
export function maskSecrets(yamlText: string): string {
  const doc = parseDocument(yamlText, { uniqueKeys: false });
  if (doc.errors.length > 0) return maskValue(maskLines(yamlText));
  const ranges: Array<[number, number, string]> = [];
  visit(doc, {
    Pair(_, pair) {
      const key = isScalar(pair.key) ? pair.key.value : pair.key;
      if (typeof key === "string" && isSecretKey(key)) {
        leafRanges(pair.value as Node, ranges);
        return visit.SKIP;
      }
    },
  });
  // Joined from pieces in one pass: splicing range by range copies the file once per secret.
  const pieces: string[] = [];
  let at = 0;
  for (const [start, end, token] of ranges.sort((a, b) => a[0] - b[0])) {
    if (start < at) continue; // nested in a range already masked
    pieces.push(yamlText.slice(at, start), token);
    at = end;
  }
  pieces.push(yamlText.slice(at));
  return maskValue(pieces.join(""));
}

/** A config-dir file's text: key files are secret whole, the rest is masked as config. */
export function maskFileText(path: string, text: string): string {
  if (/\.(key|pem|p12|pfx|jwk)$/i.test(path)) return text.trim() === "" ? text : MASK;
  return maskSecrets(text);
}

function maskFile(path: string, text: string | null): string | null {
  return text === null ? null : maskFileText(path, text);
}

function maskStep(step: Step): Step {
  if (step.kind === "create_container") return { ...step, spec: maskSpec(step.spec), reason: maskValue(step.reason) };
  // A hand-edited load-balancer config may hold credentials (an upstream's Authorization header).
  if (step.kind === "reload_lb") return { ...step, before: maskFile(step.path, step.before), after: maskFileText(step.path, step.after), reason: maskValue(step.reason) };
  return { ...step, reason: maskValue(step.reason) };
}

/** A copy of the plan with secrets masked in file changes, container specs, reasons and warnings. */
export function maskPlan(plan: Plan): Plan {
  return {
    ...plan,
    summary: maskValue(plan.summary),
    files: plan.files.map((f) => ({ path: f.path, before: maskFile(f.path, f.before), after: maskFile(f.path, f.after) })),
    steps: plan.steps.map(maskStep),
    restarts: plan.restarts.map((r) => ({ ...r, reason: maskValue(r.reason) })),
    warnings: plan.warnings.map(maskValue),
  };
}

/** A copy of a snapshot with its files and every container spec masked. */
export function maskSnapshot(snapshot: DeploymentSnapshot): DeploymentSnapshot {
  return {
    ...snapshot,
    files: Object.fromEntries(Object.entries(snapshot.files).map(([path, text]) => [path, maskFileText(path, text)])),
    processes: snapshot.processes.map((p) => ({ ...p, container: p.container ? maskSpec(p.container) : null })),
    // nginx -t quotes the line it refuses.
    ...(snapshot.loadBalancer?.check ? { loadBalancer: { ...snapshot.loadBalancer, check: { ...snapshot.loadBalancer.check, message: maskValue(snapshot.loadBalancer.check.message) } } } : {}),
  };
}

/** Records only: a Date or a Buffer is left whole (neither is walked into key by key). */
function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== "object") return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function maskUnderSecretKey(value: unknown): unknown {
  if (typeof value === "string") return isHarmlessValue(value) ? value : MASK;
  if (typeof value === "number" || typeof value === "bigint") return MASK;
  if (Array.isArray(value)) return value.map(maskUnderSecretKey);
  if (isPlainObject(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskUnderSecretKey(v)]));
  return value; // booleans and null say nothing secret
}

/**
 * Any JSON-ish value: under a secret key every string or number leaf becomes «masked» (so a
 * number's type changes), other strings lose credential shapes, and arrays of strings are read as
 * command lines (`["--password", "x"]`).
 */
export function maskDeep<T>(value: T): T {
  return maskAny(value) as T;
}

function maskAny(value: unknown): unknown {
  if (typeof value === "string") return maskValue(value);
  if (Array.isArray(value)) return value.every((v) => typeof v === "string") ? maskArgs(value) : value.map(maskAny);
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, isSecretKey(k) ? maskUnderSecretKey(v) : maskAny(v)]));
  }
  return value;
}
