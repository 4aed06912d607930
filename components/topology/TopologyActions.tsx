"use client";

import { useState } from "react";
import type { SynapseProcess } from "@/lib/contract/topology";
import type { SwarmNode } from "@/lib/synapse/plan-schema";
import { workerCatalogue, workerKinds } from "@/lib/synapse/catalogue";
import { useOperations } from "@/components/operations/OperationsProvider";
import { Button } from "@/components/ui/Button";
import { Menu } from "@/components/ui/Menu";
import { ScaleDialog } from "./ScaleDialog";

const joined =
  "inline-flex items-center rounded-l-none rounded-r-md border border-l-0 border-sky-700 bg-sky-700 px-1.5 py-1 text-xs text-white hover:bg-sky-800 dark:border-sky-600 dark:bg-sky-600 dark:hover:bg-sky-500";
const plain =
  "inline-flex items-center rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs font-medium hover:bg-zinc-100 dark:border-zinc-700 dark:bg-zinc-900 dark:hover:bg-zinc-800";

/**
 * The topology header's changes: one-click Add worker (a generic worker, no confirmation), a
 * menu of every kind (planned, asked when destructive), Scale / presets, and behind a menu the
 * rollback to a single process and its undo. Shown only to operators.
 */
export function TopologyActions({ processes, nodes }: { processes: SynapseProcess[]; nodes: SwarmNode[] | null }) {
  const { run, busy } = useOperations();
  const [scaling, setScaling] = useState(false);
  return (
    <div role="group" aria-label="Deployment actions" className="flex items-center gap-2">
      <div className="inline-flex">
        <Button tone="primary" className="rounded-r-none" disabled={busy} onClick={() => run({ kind: "add_worker", type: "generic" }, "never")}>
          Add worker
        </Button>
        <Menu
          label="Add a worker of another kind"
          align="end"
          buttonClassName={joined}
          items={workerKinds.map((kind) => ({
            label: workerCatalogue[kind].label,
            description: workerCatalogue[kind].purpose,
            disabled: busy,
            onSelect: () => run({ kind: "add_worker", type: kind }, "if_destructive"),
          }))}
        >
          <span aria-hidden>▾</span>
        </Menu>
      </div>
      <Button onClick={() => setScaling(true)} disabled={busy}>
        Scale / presets
      </Button>
      <Menu
        label="More deployment actions"
        buttonClassName={plain}
        items={[
          {
            label: "Rollback to single process",
            description: "Remove every worker; main does all the work again.",
            danger: true,
            disabled: busy,
            onSelect: () => run({ kind: "rollback_to_single_process" }, "always"),
          },
          {
            label: "Restore workers",
            description: "Bring back the workers from before the last rollback.",
            disabled: busy,
            onSelect: () => run({ kind: "restore_workers" }, "always"),
          },
          {
            label: "Export compose file",
            description: "Download the deployment as docker-compose YAML.",
            onSelect: () => {
              window.location.href = "/api/export/compose";
            },
          },
        ]}
      >
        <span aria-hidden>⋯</span>
      </Menu>
      {scaling ? (
        <ScaleDialog
          processes={processes}
          nodes={nodes}
          onClose={() => setScaling(false)}
          onPreview={(intent) => {
            setScaling(false);
            run(intent, "always");
          }}
        />
      ) : null}
    </div>
  );
}
