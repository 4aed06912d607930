import { checkDuties, checkMedia } from "./rules-duties";
import { checkInfra } from "./rules-infra";
import { FindingList, type Finding } from "./rules-model";
import { checkReplication, readInstanceMap } from "./rules-replication";
import { readConfigFile, readListeners } from "./rules-shape";
import { readWorkerFiles, type RuleContext } from "./rules-workers";

/**
 * The rules a worker-mode config must satisfy (Synapse 1.160), checked over the whole config
 * directory: homeserver.yaml and workers/*.yaml. Stricter than Synapse's own checks. Pure and
 * browser-safe: the editor runs it per keystroke, the server over the saved set.
 */

export { RULES, type Finding, type Level, type RuleId } from "./rules-model";

const HOMESERVER_FILE = "homeserver.yaml";

export interface ValidateOptions {
  /** PostgreSQL's max_connections when known (default 100, PostgreSQL's own default). */
  maxConnections?: number;
}

export function validateDeployment(files: Record<string, string>, options: ValidateOptions = {}): Finding[] {
  const out = new FindingList();
  const hsText = files[HOMESERVER_FILE];
  if (hsText === undefined) {
    out.add("homeserver-missing", HOMESERVER_FILE, null, null, "homeserver.yaml is missing", "Create homeserver.yaml in the config directory.");
    return out.items;
  }
  const hs = readConfigFile(HOMESERVER_FILE, hsText, out);
  const hsListeners = hs ? readListeners(hs, "listeners", out) : [];
  const { workers, byName, unreadable } = readWorkerFiles(files, out);
  // Cross-file rules need every file read: a worker file mid-edit with a syntax error would
  // otherwise show as "no worker file" wherever its name is used. Each file's own findings stand.
  if (!hs || unreadable > 0) return out.items;
  const ctx: RuleContext = { hs, hsListeners, workers, byName, out, maxConnections: options.maxConnections ?? 100 };
  const instances = readInstanceMap(ctx);
  checkReplication(ctx, instances);
  checkDuties(ctx, instances);
  checkMedia(ctx);
  checkInfra(ctx);
  return out.items;
}

export function errorsOf(findings: Finding[]): Finding[] {
  return findings.filter((f) => f.level === "error");
}
