import { isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node, type Scalar } from "yaml";
import type { ContainerSpec, Plan, Step } from "./plan-schema";

/**
 * Masks secrets in config text before it is stored or shown (operation history, diffs).
 * Only the secret values change; every other byte of the file stays as it was.
 */

export const MASK = "«masked»";

const exactSecretKeys = new Set([
  "password",
  "registration_shared_secret",
  "macaroon_secret_key",
  "form_secret",
  "worker_replication_secret",
  "turn_shared_secret",
  "client_secret",
  "signing_key",
  "old_signing_keys",
  "smtp_pass",
  "secret",
]);

/** True for a config key whose value is a secret (any depth). */
export function isSecretKey(key: string): boolean {
  const k = key.toLowerCase();
  if (exactSecretKeys.has(k)) return true;
  if (k.endsWith("_path") || k.endsWith("_file")) return false; // a path to a secret is not the secret
  return /(_secret|_token|_password|_secret_key|_private_key|_api_key)$/.test(k);
}

const secretEnvName = /(PASSWORD|SECRET|TOKEN|PRIVATE_KEY|API_KEY)/i;

function maskedToken(scalar: Scalar): string {
  if (scalar.type === "QUOTE_DOUBLE") return `"${MASK}"`;
  if (scalar.type === "QUOTE_SINGLE") return `'${MASK}'`;
  return MASK;
}

/** Source ranges of every scalar leaf under a node, with the text that replaces each. */
function leafRanges(node: unknown, out: Array<[number, number, string]>): void {
  if (isScalar(node)) {
    if (node.range && node.value !== null && node.value !== "") {
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
    isSecretKey(key) && value.trim() !== "" ? `${pre}${key}${sep}${MASK}${tail}` : all,
  );
}

/** Replaces the values of secret keys (passwords, shared secrets, tokens, signing keys) with «masked». */
export function maskSecrets(yamlText: string): string {
  const doc = parseDocument(yamlText, { uniqueKeys: false });
  if (doc.errors.length > 0) return maskLines(yamlText);
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
  let out = yamlText;
  for (const [start, end, token] of ranges.sort((a, b) => b[0] - a[0])) out = out.slice(0, start) + token + out.slice(end);
  return out;
}

function maskFile(path: string, text: string | null): string | null {
  if (text === null) return null;
  if (/\.(key|pem)$/.test(path)) return MASK;
  return maskSecrets(text);
}

function maskSpec(spec: ContainerSpec): ContainerSpec {
  const env = Object.fromEntries(Object.entries(spec.env).map(([k, v]) => [k, secretEnvName.test(k) ? MASK : v]));
  return { ...spec, env };
}

/** A copy of the plan with secrets masked in every file change and in container environments. */
export function maskPlan(plan: Plan): Plan {
  return {
    ...plan,
    files: plan.files.map((f) => ({ path: f.path, before: maskFile(f.path, f.before), after: maskFile(f.path, f.after) })),
    steps: plan.steps.map((s): Step => (s.kind === "create_container" ? { ...s, spec: maskSpec(s.spec) } : s)),
  };
}
