/** A line of a file diff: kept, added or removed, with its line numbers on each side. */
export interface DiffLine {
  kind: "same" | "add" | "del";
  text: string;
  oldNo: number | null;
  newNo: number | null;
}

/** Above this many cells the LCS table is too big for the browser: the changed middle is shown whole. */
const MAX_CELLS = 4_000_000;

function splitLines(text: string | null): string[] {
  if (text === null || text === "") return [];
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  return lines;
}

/** A line diff (longest common subsequence) of two versions of a file; null is "no file". */
export function lineDiff(before: string | null, after: string | null): DiffLine[] {
  const a = splitLines(before);
  const b = splitLines(after);
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const out: DiffLine[] = [];
  for (let i = 0; i < start; i++) out.push({ kind: "same", text: a[i], oldNo: i + 1, newNo: i + 1 });
  out.push(...middle(a, b, start, endA, endB));
  for (let i = endA, j = endB; i < a.length; i++, j++) out.push({ kind: "same", text: a[i], oldNo: i + 1, newNo: j + 1 });
  return out;
}

function middle(a: string[], b: string[], start: number, endA: number, endB: number): DiffLine[] {
  const n = endA - start;
  const m = endB - start;
  const out: DiffLine[] = [];
  if (n * m > MAX_CELLS || n === 0 || m === 0) {
    for (let i = start; i < endA; i++) out.push({ kind: "del", text: a[i], oldNo: i + 1, newNo: null });
    for (let j = start; j < endB; j++) out.push({ kind: "add", text: b[j], oldNo: null, newNo: j + 1 });
    return out;
  }
  // lcs[i][j] = length of the LCS of a[start+i..] and b[start+j..]
  const w = m + 1;
  const lcs = new Uint32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i * w + j] = a[start + i] === b[start + j] ? lcs[(i + 1) * w + j + 1] + 1 : Math.max(lcs[(i + 1) * w + j], lcs[i * w + j + 1]);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[start + i] === b[start + j]) {
      out.push({ kind: "same", text: a[start + i], oldNo: start + i + 1, newNo: start + j + 1 });
      i++;
      j++;
    } else if (i < n && (j === m || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1])) {
      out.push({ kind: "del", text: a[start + i], oldNo: start + i + 1, newNo: null });
      i++;
    } else {
      out.push({ kind: "add", text: b[start + j], oldNo: null, newNo: start + j + 1 });
      j++;
    }
  }
  return out;
}

export type DiffHunkItem = { kind: "line"; line: DiffLine } | { kind: "gap"; count: number };

/** Keeps `context` unchanged lines around each change and folds the rest into gaps. */
export function foldUnchanged(lines: DiffLine[], context = 3): DiffHunkItem[] {
  const keep = new Array<boolean>(lines.length).fill(false);
  lines.forEach((l, idx) => {
    if (l.kind === "same") return;
    for (let k = Math.max(0, idx - context); k <= Math.min(lines.length - 1, idx + context); k++) keep[k] = true;
  });
  const out: DiffHunkItem[] = [];
  let gap = 0;
  lines.forEach((line, idx) => {
    if (keep[idx]) {
      if (gap) out.push({ kind: "gap", count: gap });
      gap = 0;
      out.push({ kind: "line", line });
    } else gap++;
  });
  if (gap) out.push({ kind: "gap", count: gap });
  return out;
}
