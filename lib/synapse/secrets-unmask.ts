import { isMap, isPair, isScalar, isSeq, parseDocument, type Node, type Scalar } from "yaml";
import { FindingList, type Finding } from "./rules-model";
import { isSecretKey } from "./secret-keys";
import { MASK } from "./secret-patterns";
import { maskSecrets, maskValue } from "./secrets";
import { keyName, parseYaml, type ParsedYaml } from "./yaml-positions";

/**
 * The way back from a masked read: an operator edits a file that was sent with «masked» in place
 * of its secrets, and saving must write the real secrets, not the mask. Pure and browser-safe
 * (the server runs it on save; nothing here holds on to the disk text).
 */

type Path = Array<string | number>;
type Splice = [start: number, end: number, text: string];

interface MaskedScalar {
  node: Scalar;
  path: Path;
  underSecret: boolean;
}

/** Where a scalar's text ends; a block scalar's range runs past its last line break (as in maskSecrets). */
function scalarEnd(node: Scalar): number {
  const [start, end] = node.range!;
  return node.type === "BLOCK_LITERAL" || node.type === "BLOCK_FOLDED" ? Math.max(start, end - 1) : end;
}

function maskedScalars(node: unknown, path: Path, underSecret: boolean, out: MaskedScalar[]): void {
  if (isMap(node)) {
    for (const pair of node.items) {
      if (!isPair(pair)) continue;
      const key = keyName(pair);
      if (key === null) continue;
      maskedScalars(pair.value, [...path, key], underSecret || isSecretKey(key), out);
    }
  } else if (isSeq(node)) {
    node.items.forEach((item, i) => maskedScalars(item, [...path, i], underSecret, out));
  } else if (isScalar(node) && node.range && typeof node.value === "string" && node.value.includes(MASK)) {
    out.push({ node, path, underSecret });
  }
}

/** The node at the same path on disk (the last of two equal keys, as Synapse reads it). */
function nodeAtPath(root: unknown, path: Path): Node | null {
  let at: unknown = root;
  for (const step of path) {
    if (typeof step === "number") {
      if (!isSeq(at)) return null;
      at = at.items[step];
    } else {
      if (!isMap(at)) return null;
      let found: unknown = undefined;
      for (const pair of at.items) if (isPair(pair) && keyName(pair) === step) found = pair.value;
      at = found;
    }
  }
  return (at ?? null) as Node | null;
}

/**
 * Disk lines by their masked form, for masks outside a YAML value (comments, a file that is not
 * YAML). A masked form two disk lines share is ambiguous and restores nothing.
 */
function linesByMaskedForm(onDisk: string): Map<string, string | null> {
  const disk = onDisk.split("\n");
  const whole = maskSecrets(onDisk).split("\n");
  // Masking keeps the line count unless it folded a multi-line block: then only per-line shapes are known.
  const masked = whole.length === disk.length ? whole : disk.map((l) => maskValue(l));
  const map = new Map<string, string | null>();
  disk.forEach((line, i) => {
    if (masked[i] === line) return;
    map.set(masked[i], map.has(masked[i]) ? null : line);
  });
  return map;
}

/**
 * Puts the disk's secrets back into an edited, masked text: where «masked» stands as the value at
 * a path that holds a secret on disk, the disk's bytes for that value (quotes included) replace
 * it; every other byte of the edited text stays as typed. A «masked» that cannot be traced to a
 * disk value is left and reported as `masked-value-unknown`: saving it would write the mask.
 */
export function unmaskSecrets(edited: string, onDisk: string, file = ""): { text: string; findings: Finding[] } {
  if (!edited.includes(MASK)) return { text: edited, findings: [] };
  const out = new FindingList();
  const parsed = parseYaml(edited);
  const splices: Splice[] = [];
  const covered: Array<[number, number]> = [];

  if (parsed.doc.errors.length === 0) {
    const disk = parseDocument(onDisk, { uniqueKeys: false });
    const diskRoot = disk.errors.length === 0 ? disk.contents : null;
    const found: MaskedScalar[] = [];
    maskedScalars(parsed.doc.contents, [], false, found);
    for (const { node, path, underSecret } of found) {
      const start = node.range![0];
      const end = scalarEnd(node);
      if (diskRoot === null) continue; // no paths on disk: left to the line pass below
      covered.push([start, end]);
      const before = nodeAtPath(diskRoot, path);
      const diskText = isScalar(before) && before.range ? onDisk.slice(before.range[0], scalarEnd(before)) : null;
      const secretHere = diskText !== null && underSecret && node.value === MASK && (before as Scalar).value !== null;
      // A shape masked inside a plain value (a URL's password) comes back when the rest is unchanged.
      if (diskText !== null && (secretHere || maskValue(diskText) === edited.slice(start, end))) splices.push([start, end, diskText]);
      else report(out, file, parsed, edited.indexOf(MASK, start));
    }
  }

  const byMaskedLine = linesByMaskedForm(onDisk);
  const lineSplices = new Map<number, Splice>();
  for (let at = edited.indexOf(MASK); at >= 0; at = edited.indexOf(MASK, at + MASK.length)) {
    if (covered.some(([s, e]) => at >= s && at < e)) continue;
    const lineStart = edited.lastIndexOf("\n", at) + 1;
    const nl = edited.indexOf("\n", at);
    const lineEnd = nl < 0 ? edited.length : nl;
    const original = byMaskedLine.get(edited.slice(lineStart, lineEnd));
    if (typeof original === "string") lineSplices.set(lineStart, [lineStart, lineEnd, original]);
    else report(out, file, parsed, at);
  }
  splices.push(...lineSplices.values());
  return { text: applySplices(edited, splices), findings: out.items };
}

function report(out: FindingList, file: string, parsed: ParsedYaml, at: number): void {
  const message = parsed.doc.errors.length > 0
    ? `${MASK} cannot be put back while the file is not valid YAML`
    : `${MASK} stands where the file on disk has no secret to put back`;
  out.add("masked-value-unknown", file, parsed, { range: [at, at + MASK.length] }, message, "Type the real value here, or undo the edit that moved this «masked».");
}

function applySplices(text: string, splices: Splice[]): string {
  const pieces: string[] = [];
  let at = 0;
  for (const [start, end, replacement] of splices.sort((a, b) => a[0] - b[0])) {
    if (start < at) continue;
    pieces.push(text.slice(at, start), replacement);
    at = end;
  }
  pieces.push(text.slice(at));
  return pieces.join("");
}
