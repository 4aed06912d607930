import { Document, isMap, isScalar, parseDocument, YAMLMap, type Pair, type ToStringOptions } from "yaml";

/**
 * Comment-preserving edits of a YAML config file. The edit runs on a `yaml` Document; the
 * result is spliced into the original text one top-level key at a time, so every key the
 * edit did not touch (and every comment or blank line between keys) stays byte-for-byte.
 */

type TopPair = Pair<unknown, unknown>;

interface Block {
  key: string;
  pair: TopPair;
  /** First line of the key, last line of its value (0-based, inclusive). */
  first: number;
  last: number;
  /** First line of the column-0 comments directly above the key (they go with it when it is removed). */
  attached: number;
}

export function parseConfigDocument(text: string): Document {
  return parseDocument(text, { uniqueKeys: false, keepSourceTokens: false });
}

/** Applies `edit` to the document of `text` and returns the new text; untouched keys keep their bytes. */
export function editYaml(text: string, edit: (doc: Document) => void): string {
  const doc = parseConfigDocument(text);
  edit(doc);
  return renderEdited(text, doc);
}

function stringOptions(text: string): ToStringOptions {
  // A file written as `key:\n- item` keeps that sequence style in the keys we rewrite.
  const indentSeq = !/^[^\s#][^\n]*:\s*\n-\s/m.test(text);
  return { lineWidth: 0, flowCollectionPadding: false, indentSeq };
}

function keyOf(pair: TopPair): string | null {
  const k = isScalar(pair.key) ? pair.key.value : pair.key;
  return typeof k === "string" || typeof k === "number" ? String(k) : null;
}

function lineStarts(text: string): number[] {
  const starts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === "\n") starts.push(i + 1);
  return starts;
}

function lineOf(starts: number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/** The source lines of each top-level key of a block mapping; null when the file is not one. */
function topLevelBlocks(text: string, doc: Document): Block[] | null {
  if (!isMap(doc.contents) || doc.contents.flow) return null;
  const starts = lineStarts(text);
  const lines = text.split("\n");
  const blocks: Block[] = [];
  const seen = new Set<string>();
  for (const item of doc.contents.items as TopPair[]) {
    const key = keyOf(item);
    const keyRange = isScalar(item.key) ? item.key.range : null;
    if (key === null || !keyRange || seen.has(key)) return null;
    seen.add(key);
    const first = lineOf(starts, keyRange[0]);
    const valueRange = (item.value as { range?: [number, number, number] } | null)?.range;
    const end = valueRange ? Math.max(valueRange[1] - 1, keyRange[1]) : keyRange[1];
    const last = Math.max(first, lineOf(starts, end));
    let attached = first;
    while (attached > 0 && lines[attached - 1].startsWith("#")) attached--;
    blocks.push({ key, pair: item, first, last, attached });
  }
  return blocks;
}

/** One top-level pair as YAML text (no trailing newline), without the comments that live outside its block. */
function renderPair(pair: TopPair, original: string | null, options: ToStringOptions): string {
  const copy = (pair as unknown as { clone(): TopPair }).clone();
  if (isScalar(copy.key)) {
    copy.key.commentBefore = undefined;
    copy.key.spaceBefore = false;
  }
  const value = copy.value as { comment?: string | null; range?: [number, number, number]; spaceBefore?: boolean } | null;
  if (value && typeof value === "object" && value.comment) {
    // A same-line comment after a scalar stays; comments below a collection live outside the block.
    const sameLine = original !== null && value.range ? /^[^\n]*#/.test(original.slice(value.range[1])) : false;
    if (!sameLine || !isScalar(value)) value.comment = undefined;
    else value.comment = value.comment.split("\n")[0];
  }
  const d = new Document();
  const m = new YAMLMap();
  m.items.push(copy);
  d.contents = m;
  return d.toString(options).replace(/\n+$/, "");
}

/** Splices the edited document into the original text (see editYaml). */
export function renderEdited(original: string, edited: Document): string {
  const options = stringOptions(original);
  const pristine = parseConfigDocument(original);
  const before = original.trim() === "" ? [] : topLevelBlocks(original, pristine);
  if (before === null || !isMap(edited.contents)) return edited.toString(options);
  const after = new Map<string, TopPair>();
  for (const item of edited.contents.items as TopPair[]) {
    const key = keyOf(item);
    if (key === null || after.has(key)) return edited.toString(options);
    after.set(key, item);
  }
  const lines = original.split("\n");
  const out: string[] = [];
  let cursor = 0;
  for (const block of before) {
    const next = after.get(block.key);
    if (next === undefined) {
      out.push(...lines.slice(cursor, block.attached));
      cursor = block.last + 1;
      // Do not leave two blank lines where the key was.
      if (out.length > 0 && out[out.length - 1].trim() === "" && (lines[cursor] ?? "").trim() === "") cursor++;
      continue;
    }
    const oldText = renderPair(block.pair, original, options);
    const newText = renderPair(next, original, options);
    if (oldText === newText) continue;
    out.push(...lines.slice(cursor, block.first), ...newText.split("\n"));
    cursor = block.last + 1;
  }
  out.push(...lines.slice(cursor));
  const known = new Set(before.map((b) => b.key));
  const added = [...after.entries()].filter(([key]) => !known.has(key));
  if (added.length === 0) return out.join("\n");
  while (out.length > 0 && out[out.length - 1] === "") out.pop();
  if (out.length > 0) out.push("");
  for (const [, pair] of added) out.push(...renderPair(pair, null, options).split("\n"));
  return out.join("\n") + "\n";
}
