import { roleAllows, type Role } from "@/lib/auth/roles";
import type { Topology } from "@/lib/contract/topology";
import type { Operation } from "@/lib/synapse/plan-schema";

// An absolute path: at the start, or after a space, quote, colon or bracket. Enough to find the
// host paths that error messages carry ("cannot read worker file /srv/synapse/workers/x.yaml").
const ABSOLUTE_PATH = /(^|[\s"'`(:=])\/(?:[^\s"'`),;]+)/g;

/** Replaces every absolute path in a message with its last component: "…/x.yaml". */
export function hidePaths(text: string): string {
  return text.replace(ABSOLUTE_PATH, (_all, lead: string) => `${lead}…/${_all.slice(lead.length).split("/").filter(Boolean).pop() ?? ""}`);
}

/**
 * The topology as a caller of `role` may see it: viewers get no absolute host paths (the config
 * directory, paths in warnings) — where the deployment lives on the host is operator knowledge.
 */
export function topologyFor(role: Role, topology: Topology): Topology {
  if (roleAllows(role, "operator")) return topology;
  return { ...topology, configDir: null, warnings: topology.warnings.map(hidePaths) };
}

/** A bind "host:container[:mode]" with its host side cut to the last component. */
function hideBindSource(bind: string): string {
  const colon = bind.indexOf(":");
  if (!bind.startsWith("/") || colon < 0) return bind; // a named volume says nothing about the host
  return hidePaths(bind.slice(0, colon)) + bind.slice(colon);
}

/** An operation as a caller of `role` may see it: viewers get container binds without host paths. */
export function operationFor<T extends Operation>(role: Role, op: T): T {
  if (roleAllows(role, "operator")) return op;
  const steps = op.plan.steps.map((s) => (s.kind === "create_container" ? { ...s, spec: { ...s.spec, binds: s.spec.binds.map(hideBindSource) } } : s));
  return { ...op, plan: { ...op.plan, steps, warnings: op.plan.warnings.map(hidePaths) } };
}
