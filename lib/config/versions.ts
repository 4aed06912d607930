import "server-only";
import { parseDocument, isMap, isScalar } from "yaml";
import { FleetError } from "@/lib/errors";
import { listSnapshotFiles } from "@/lib/operations/history";
import { fileVersion } from "@/lib/synapse/file-version";
import { isSecretKey, maskSecrets } from "@/lib/synapse/secrets";
import { parseConfigPath, readConfigFileView } from "./files";
import { readConfigFile } from "@/lib/fs/safe";

/** How far back the editor looks for a file's earlier versions. */
const HISTORY_OPERATIONS = 200;
const MAX_VERSIONS = 50;

export interface FileVersionEntry {
  version: string;
  /** The operation whose snapshot holds it, and whether before or after it ran. */
  operationId: string;
  point: "before" | "after";
  at: string;
  summary: string;
}

/** The versions of one file that history's snapshots hold, newest first, each once. */
export async function fileVersions(rawPath: string): Promise<FileVersionEntry[]> {
  const rel = parseConfigPath(rawPath);
  const seen = new Set<string>();
  const out: FileVersionEntry[] = [];
  for (const op of await listSnapshotFiles(HISTORY_OPERATIONS)) {
    for (const [point, files] of [["after", op.after], ["before", op.before]] as const) {
      const text = files?.[rel];
      if (text === undefined) continue;
      const version = fileVersion(text);
      if (seen.has(version)) continue;
      seen.add(version);
      out.push({ version, operationId: op.id, point, at: op.createdAt.toISOString(), summary: op.summary });
      if (out.length >= MAX_VERSIONS) return out;
    }
  }
  return out;
}

/** One earlier version, masked like the file itself; saving it (PUT) restores it. */
export async function fileAtVersion(rawPath: string, version: string): Promise<{ path: string; version: string; content: string }> {
  const rel = parseConfigPath(rawPath);
  if (!/^[0-9a-f]{64}$/.test(version)) throw new FleetError("invalid", "A version is the sha256 of a file (64 hex digits)");
  for (const op of await listSnapshotFiles(HISTORY_OPERATIONS)) {
    for (const files of [op.after, op.before]) {
      const text = files?.[rel];
      if (text !== undefined && fileVersion(text) === version) return { path: rel, version, content: maskSecrets(text) };
    }
  }
  throw new FleetError("not_found", `No version ${version.slice(0, 12)}… of ${rel} in the history`);
}

/**
 * The value of one secret of a file, by its dotted key path ("database.args.password"): an
 * admin's explicit action, audited by the route. Keys that are not secrets are refused: their
 * values are shown already.
 */
export async function revealSecret(dir: string, rawPath: string, key: string): Promise<{ path: string; key: string; value: string }> {
  const view = await readConfigFileView(dir, rawPath); // the managed set only, links refused
  const segments = key.split(".");
  if (segments.length === 0 || segments.length > 10 || segments.some((s) => !/^[A-Za-z0-9_-]{1,100}$/.test(s))) {
    throw new FleetError("invalid", "key is a dotted path of YAML keys, e.g. database.args.password");
  }
  if (!isSecretKey(segments[segments.length - 1])) throw new FleetError("invalid", `${key} is not a secret: its value is shown in the file`);
  const read = await readConfigFile(dir, view.path);
  if (!read) throw new FleetError("not_found", `${view.path} is gone`);
  const doc = parseDocument(read.data.toString("utf8"), { uniqueKeys: false });
  let node: unknown = doc.contents;
  for (const seg of segments) {
    if (!isMap(node)) throw new FleetError("not_found", `${view.path} has no ${key}`);
    node = node.get(seg, true);
  }
  if (!isScalar(node) || node.value === null || typeof node.value === "object") throw new FleetError("not_found", `${view.path} has no value at ${key}`);
  return { path: view.path, key, value: String(node.value) };
}
