import { workerCatalogue } from "@/lib/synapse/catalogue";
import { kindOf } from "@/lib/synapse/deployment";
import type { WorkerType } from "@/lib/synapse/types";
import { pass, requireDocker, type Check } from "./model";

/** A worker without a CPU or memory limit can starve main and the others on the same host. */

export const limitsCheck: Check = {
  id: "limits",
  title: "Worker resource limits",
  async run(ctx) {
    requireDocker(ctx);
    const workers = ctx.processes.filter((p) => p.type !== "main" && p.unit);
    if (workers.length === 0) return pass(["no worker containers"]);
    const specs = await Promise.all(workers.map(async (p) => ({ p, spec: await ctx.engine.specOf(p.unit!.id) })));
    const evidence: string[] = [];
    const fixes: string[] = [];
    let first: string | undefined;
    for (const { p, spec } of specs) {
      const { nanoCpus, memoryBytes } = spec.resources;
      const cpus = nanoCpus ? `${nanoCpus / 1e9} CPU` : "no CPU limit";
      const mem = memoryBytes ? `${Math.round(memoryBytes / 2 ** 20)} MiB` : "no memory limit";
      evidence.push(`${p.name} (${p.unit!.name}): ${cpus}, ${mem}`);
      if (nanoCpus && memoryBytes) continue;
      first ??= p.name;
      const kind = kindOf(p.name, p.type as WorkerType, p.streams);
      const d = kind ? workerCatalogue[kind].defaultResources : { cpus: 1, memoryMiB: 1024 };
      fixes.push(`docker update${nanoCpus ? "" : ` --cpus ${d.cpus}`}${memoryBytes ? "" : ` --memory ${d.memoryMiB}m --memory-swap ${d.memoryMiB}m`} ${p.unit!.name}`);
    }
    if (!first) return pass(evidence);
    return { status: "warn", evidence, fix: `Limit them (takes effect at once, no restart), sized for the kind: ${fixes.join("; ")}. Workers the dashboard creates get limits from the Add worker form.`, process: first };
  },
};
