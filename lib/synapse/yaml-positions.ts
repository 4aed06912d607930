import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node, type Pair, type YAMLMap } from "yaml";

/**
 * YAML read for the validator: one parse per text, kept with its line counter so any node can be
 * turned into 1-based positions for the editor's markers. Pure and browser-safe.
 */

export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

export interface ParsedYaml {
  text: string;
  doc: Document.Parsed;
  lines: LineCounter;
}

/** Anything with a source range: a node, a pair's key, a YAML error's `pos`. */
export type Located = { range?: readonly [number, number, ...number[]] | null } | null | undefined;

// Per keystroke only the file being edited changes: the others come from here without a parse.
// Bounded so a long editing session does not keep every intermediate text alive, and large
// enough for a deployment of a couple of hundred worker files (a smaller LRU would miss on each).
const CACHE_SIZE = 256;
const cache = new Map<string, ParsedYaml>();

/** The parsed document of `text` (cached by text; callers must not mutate it). */
export function parseYaml(text: string): ParsedYaml {
  const hit = cache.get(text);
  if (hit) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const lines = new LineCounter();
  // uniqueKeys off: Synapse's loader takes the last of two equal keys; the duplicate-key rule reports it.
  const doc = parseDocument(text, { uniqueKeys: false, lineCounter: lines });
  const parsed = { text, doc, lines };
  cache.set(text, parsed);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return parsed;
}

/** Line 1, column 1 to the end of the first line: where file-level findings point. */
export function fileStart(p: ParsedYaml): Span {
  const nl = p.text.indexOf("\n");
  const firstLine = nl < 0 ? p.text : p.text.slice(0, nl);
  return { line: 1, column: 1, endLine: 1, endColumn: firstLine.replace(/\r$/, "").length + 1 };
}

export function spanOfRange(p: ParsedYaml, start: number, end: number): Span {
  // A block collection's range runs to the start of the next line: end the marker on its own line.
  while (end > start && /\s/.test(p.text[end - 1])) end--;
  const a = p.lines.linePos(start);
  const b = p.lines.linePos(Math.max(start, end));
  return { line: a.line, column: a.col, endLine: b.line, endColumn: b.col };
}

/** The span of a node's value (not its trailing comment); the file start when it has no range. */
export function spanOf(p: ParsedYaml, node: Located): Span {
  const r = node?.range;
  if (!r) return fileStart(p);
  return spanOfRange(p, r[0], r[1]);
}

/** A pair's key as a string (numbers too: `8008:`), or null for complex keys. */
export function keyName(pair: Pair): string | null {
  const k = isScalar(pair.key) ? pair.key.value : pair.key;
  return typeof k === "string" || typeof k === "number" ? String(k) : null;
}

/** The last pair of `map` with this key (Synapse's loader keeps the last one). */
export function pairIn(map: unknown, key: string): Pair<Node, Node | null> | undefined {
  if (!isMap(map)) return undefined;
  let found: Pair<Node, Node | null> | undefined;
  for (const item of map.items) if (isPair(item) && keyName(item) === key) found = item as Pair<Node, Node | null>;
  return found;
}

/** The value node under `key`, or undefined when the key is absent (null when present but empty). */
export function valueIn(map: unknown, key: string): Node | null | undefined {
  const pair = pairIn(map, key);
  return pair ? (pair.value ?? null) : undefined;
}

/** The node at a path of keys. */
export function nodeAt(map: unknown, path: readonly string[]): Node | null | undefined {
  let at: unknown = map;
  for (const key of path) {
    if (!isMap(at)) return undefined;
    at = valueIn(at, key);
  }
  return at as Node | null | undefined;
}

export function mapIn(map: unknown, key: string): YAMLMap<Node, Node | null> | null {
  const v = valueIn(map, key);
  return isMap(v) ? (v as YAMLMap<Node, Node | null>) : null;
}

/** A scalar's value; undefined for collections and absent nodes. */
export function scalarOf(node: unknown): unknown {
  return isScalar(node) ? node.value : undefined;
}

export interface NamedNode {
  value: string;
  node: Node;
}

/** A name or a list of names (`typing: w1` and `typing: [w1]` alike), each with its node. */
export function namesOf(node: unknown): NamedNode[] {
  if (isScalar(node)) return typeof node.value === "string" && node.value !== "" ? [{ value: node.value, node }] : [];
  if (!isSeq(node)) return [];
  return node.items.flatMap((item) => (isScalar(item) && typeof item.value === "string" ? [{ value: item.value, node: item as Node }] : []));
}

/** True for a present value that lists nothing: `[]`, or a key left empty. */
export function isEmptyList(node: Node | null | undefined): boolean {
  if (node === undefined) return false;
  if (node === null || (isScalar(node) && node.value === null)) return true;
  return isSeq(node) && node.items.length === 0;
}
