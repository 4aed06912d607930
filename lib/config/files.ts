import "server-only";
import path from "node:path";
import { parse } from "yaml";
import { FleetError } from "@/lib/errors";
import { readConfigFile } from "@/lib/fs/safe";
import { validateDeployment, type Finding } from "@/lib/synapse/rules";
import { maskSecrets } from "@/lib/synapse/secrets";
import { snapshotFiles } from "@/lib/operations/snapshot";
import { isLogConfigPath } from "@/lib/synapse/log-configs";
import { fileVersion as versionOf } from "@/lib/synapse/file-version";

/** What a file of the config directory is to the operator. */
export type ConfigFileKind = "homeserver" | "worker" | "log_config" | "targets";

export interface ConfigFileEntry {
  path: string;
  kind: ConfigFileKind;
  /** The worker whose file this is (worker files only). */
  worker: string | null;
  /** sha256 of the bytes on disk: the base a save must name. */
  version: string;
  editable: boolean;
}

export interface ConfigFileView {
  path: string;
  kind: ConfigFileKind;
  /** Secrets masked: the dashboard never sends one without an explicit admin action. */
  content: string;
  version: string;
  editable: boolean;
  findings: Finding[];
}

const TARGETS = "prometheus/synapse-targets.json";
const MAX_FILE_BYTES = 1024 * 1024;

export { fileVersion as versionOf } from "@/lib/synapse/file-version";

/**
 * A path from a request: relative, inside the directory, of a plain shape. `..`, absolute paths,
 * NUL and backslashes are refused (400) before the file system is asked anything.
 */
export function parseConfigPath(raw: string): string {
  const rel = raw.replace(/^\/+/, "");
  if (raw.length === 0 || raw.length > 200) throw new FleetError("invalid", "A config file path is 1–200 characters");
  if (path.isAbsolute(raw) || /[\0\\]/.test(raw) || rel.split("/").some((seg) => seg === ".." || seg === "." || seg === "")) {
    throw new FleetError("invalid", "A config file path is relative to the config directory, without . or .. segments");
  }
  if (!/^[A-Za-z0-9._\-/]+$/.test(rel)) throw new FleetError("invalid", "A config file path uses letters, digits, . _ - and /");
  return rel;
}

/** Every file the config editor may show, with its version; nothing else is ever served. */
export async function listConfigFiles(dir: string): Promise<ConfigFileEntry[]> {
  const files = await snapshotFiles(dir);
  return Object.entries(files).map(([p, text]) => {
    const kind: ConfigFileKind = p === "homeserver.yaml" ? "homeserver" : p === TARGETS ? "targets" : isLogConfigPath(p) ? "log_config" : "worker";
    return { path: p, kind, worker: kind === "worker" ? workerNameOf(text, p) : null, version: versionOf(text), editable: kind !== "targets" };
  });
}

function workerNameOf(text: string, file: string): string | null {
  try {
    const v = (parse(text, { uniqueKeys: false }) as Record<string, unknown> | null)?.worker_name;
    return typeof v === "string" ? v : path.basename(file).replace(/\.ya?ml$/, "");
  } catch {
    return path.basename(file).replace(/\.ya?ml$/, "");
  }
}

/** One file as the editor opens it: masked content, version, and the findings that concern it. */
export async function readConfigFileView(dir: string, rawPath: string): Promise<ConfigFileView> {
  const rel = parseConfigPath(rawPath);
  // A link or a non-regular file planted in the config dir refuses the read (UnsafeConfigPathError: 400 unsafe_path).
  const entries = await listConfigFiles(dir);
  const entry = entries.find((e) => e.path === rel);
  if (!entry) throw new FleetError("not_found", `${rel} is not a config file the dashboard manages`);
  const read = await readConfigFile(dir, rel);
  if (!read) throw new FleetError("not_found", `${rel} is gone from the config directory`);
  if (read.data.length > MAX_FILE_BYTES) throw new FleetError("unprocessable", `${rel} is larger than ${MAX_FILE_BYTES} bytes`);
  const text = read.data.toString("utf8");
  const deployment = await snapshotFiles(dir);
  const findings = entry.kind === "log_config" || entry.kind === "targets" ? [] : validateDeployment(deployment).filter((f) => f.file === rel || (!f.file && rel === "homeserver.yaml"));
  return { path: rel, kind: entry.kind, content: entry.kind === "targets" ? text : maskSecrets(text), version: versionOf(read.data), editable: entry.editable, findings };
}
