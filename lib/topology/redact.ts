import { roleAllows, type Role } from "@/lib/auth/roles";
import type { Topology } from "@/lib/api/schemas/topology";

// An absolute path: at the start, or after a space, quote, colon or bracket. Enough to find the
// host paths that error messages carry ("cannot read worker file /srv/synapse/workers/x.yaml").
const ABSOLUTE_PATH = /(^|[\s"'`(:=])\/(?:[^\s"'`),;]+)/g;

/** Replaces every absolute path in a message with its last component: "…/x.yaml". */
export function hidePaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (_all, lead: string, ) => `${lead}…/${_all.slice(lead.length).split("/").filter(Boolean).pop() ?? ""}`);
}

/**
 * The topology as a caller of `role` may see it: viewers get no absolute host paths (the config
 * directory, paths in warnings) — where the deployment lives on the host is operator knowledge.
 */
export function topologyFor(role: Role, topology: Topology): Topology {
  if (roleAllows(role, "operator")) return topology;
  return { ...topology, configDir: null, warnings: topology.warnings.map(hidePaths) };
}
