import { describe, expect, it } from "vitest";
import type { Topology } from "@/lib/contract/topology";
import type { Operation } from "@/lib/synapse/plan-schema";
import { hidePaths, operationFor, topologyFor } from "./redact";

const topology = {
  configDir: "/srv/synapse/config",
  warnings: ["gw2: cannot read worker file /srv/synapse/config/workers/gw2.yaml: EACCES", "no path here"],
} as unknown as Topology;

const op = {
  plan: {
    warnings: ["compose file at /home/ops/deploy/docker-compose.yml is not updated"],
    steps: [
      { kind: "create_container", process: "gw2", reason: "new", spec: { binds: ["/srv/synapse/config:/data", "media:/media", "/srv/synapse/media:/media_store:rw"] } },
      { kind: "start", process: "gw2", reason: "new" },
    ],
  },
} as unknown as Operation;

describe("what a viewer sees", () => {
  it("cuts absolute paths in a message to their last component", () => {
    expect(hidePaths("cannot read /a/b/c.yaml: denied")).toBe("cannot read …/c.yaml: denied");
    expect(hidePaths("workers/gw2.yaml has no worker_name")).toBe("workers/gw2.yaml has no worker_name");
  });

  it("gives viewers no config directory and no host paths in warnings; operators see them", () => {
    const v = topologyFor("viewer", topology);
    expect(v.configDir).toBeNull();
    expect(JSON.stringify(v)).not.toContain("/srv/synapse");
    expect(v.warnings[1]).toBe("no path here");
    expect(topologyFor("operator", topology)).toBe(topology);
  });

  it("gives viewers operations whose container binds and warnings hold no host path", () => {
    const v = operationFor("viewer", op);
    expect(JSON.stringify(v)).not.toMatch(/\/srv\/synapse|\/home\/ops/);
    const spec = (v.plan.steps[0] as Extract<Operation["plan"]["steps"][number], { kind: "create_container" }>).spec;
    expect(spec.binds).toEqual(["…/config:/data", "media:/media", "…/media:/media_store:rw"]);
    expect(operationFor("admin", op)).toBe(op);
  });
});
