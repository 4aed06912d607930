import { quoteFlow } from "./worker-file";
import { isMap, isScalar, isSeq, YAMLSeq, type Document } from "yaml";

/** Worker-mode edits of homeserver.yaml on a `yaml` Document (see config-edit.ts for the splice). */

type Path = readonly string[];

function getNode(doc: Document, path: Path): unknown {
  return doc.getIn(path, true);
}

/** Makes sure `path` holds a mapping (a missing or empty key becomes one). */
export function ensureMap(doc: Document, path: Path): void {
  for (let i = 1; i <= path.length; i++) {
    const p = path.slice(0, i);
    const node = getNode(doc, p);
    if (isMap(node)) continue;
    if (node !== undefined && !(isScalar(node) && node.value === null)) throw new Error(`${p.join(".")} is not a mapping`);
    doc.setIn(p, doc.createNode({}));
  }
}

/** Appends `value` to the list at `path` (a scalar there becomes a one-item list). */
export function appendToList(doc: Document, path: Path, value: string, flow = false): void {
  ensureMap(doc, path.slice(0, -1));
  const node = getNode(doc, path);
  if (isSeq(node)) {
    if (!node.items.some((i) => (isScalar(i) ? i.value : i) === value)) node.add(doc.createNode(value));
    return;
  }
  const items = isScalar(node) && typeof node.value === "string" && node.value !== "" ? [node.value, value] : [value];
  const seq = doc.createNode(items) as YAMLSeq;
  seq.flow = flow;
  doc.setIn(path, seq);
}

/** Removes `value` from the list (or scalar) at `path`; an emptied key is deleted, and so is an emptied parent mapping. */
export function removeFromList(doc: Document, path: Path, value: string): boolean {
  const node = getNode(doc, path);
  let changed = false;
  if (isSeq(node)) {
    const before = node.items.length;
    node.items = node.items.filter((i) => (isScalar(i) ? i.value : i) !== value);
    changed = node.items.length !== before;
    if (node.items.length === 0) doc.deleteIn(path);
  } else if (isScalar(node) && node.value === value) {
    doc.deleteIn(path);
    changed = true;
  }
  deleteIfEmpty(doc, path.slice(0, -1));
  return changed;
}

/** Deletes the mapping at `path` when nothing is left in it. */
export function deleteIfEmpty(doc: Document, path: Path): void {
  if (path.length === 0) return;
  const node = getNode(doc, path);
  if (isMap(node) && node.items.length === 0) doc.deleteIn(path);
}

/** The string names in a list-or-scalar key. */
export function listValues(doc: Document, path: Path): string[] {
  const v = doc.getIn(path);
  if (typeof v === "string") return [v];
  if (v instanceof YAMLSeq) return v.items.map((i) => String(isScalar(i) ? i.value : i));
  return [];
}

/** Keys of the mapping at `path`. */
export function mapKeys(doc: Document, path: Path): string[] {
  const node = getNode(doc, path);
  return isMap(node) ? node.items.map((p) => String(isScalar(p.key) ? p.key.value : p.key)) : [];
}

/** Appends a listener to homeserver.yaml's `listeners`. */
export function addListener(doc: Document, listener: Record<string, unknown>): void {
  const node = getNode(doc, ["listeners"]);
  const created = doc.createNode(listener);
  if (isMap(created)) {
    const bind = created.get("bind_addresses", true);
    if (isSeq(bind)) quoteFlow(bind);
    const resources = created.get("resources", true);
    if (isSeq(resources)) for (const r of resources.items) if (isMap(r)) {
      const names = r.get("names", true);
      if (isSeq(names)) names.flow = true;
    }
  }
  if (isSeq(node)) node.add(created);
  else doc.setIn(["listeners"], doc.createNode([listener]));
}
