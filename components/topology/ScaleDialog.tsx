"use client";

import { useId, useState } from "react";
import type { SynapseProcess } from "@/lib/contract/topology";
import { presets, workerCatalogue, workerKinds, type PresetName, type WorkerKind } from "@/lib/synapse/catalogue";
import type { Intent, Placement, SwarmNode } from "@/lib/synapse/plan-schema";
import { Button } from "@/components/ui/Button";
import { Dialog } from "@/components/ui/Dialog";

/** How many workers of each kind run now, as the topology shows them (stream writers by the stream they write). */
export function countsByKind(processes: SynapseProcess[]): Record<WorkerKind, number> {
  const counts = Object.fromEntries(workerKinds.map((k) => [k, 0])) as Record<WorkerKind, number>;
  for (const kind of workerKinds) {
    const spec = workerCatalogue[kind];
    counts[kind] = processes.filter((p) => p.type === spec.type && (spec.type !== "stream_writer" || spec.streams.some((s) => p.streams.includes(s)))).length;
  }
  return counts;
}

function presetText(name: PresetName): string {
  return Object.entries(presets[name].counts)
    .map(([k, n]) => `${n} × ${workerCatalogue[k as WorkerKind].label}`)
    .join(", ");
}

/** Choose a sizing preset, or a new count for one kind; either is previewed as a plan next. */
export function ScaleDialog({
  processes,
  nodes,
  onClose,
  onPreview,
}: {
  processes: SynapseProcess[];
  /** On a swarm: where new workers go (else none). */
  nodes: SwarmNode[] | null;
  onClose: () => void;
  onPreview: (intent: Intent) => void;
}) {
  const now = countsByKind(processes);
  const [wanted, setWanted] = useState<Record<WorkerKind, number>>(now);
  const [node, setNode] = useState("");
  const [pin, setPin] = useState(false);
  // Spread (no node) is the planner's default; a node starts new workers there, pinned if asked.
  const placement: { placement?: Placement } = node ? { placement: { node, ...(pin ? { pin: true } : {}) } } : {};
  const changed = workerKinds.filter((k) => wanted[k] !== now[k]);
  const hintId = useId();
  const hint =
    changed.length === 0
      ? "Change one count, or choose a preset."
      : changed.length > 1
        ? `${changed.length} kinds changed: change one kind at a time, or choose a preset.`
        : `Scale ${workerCatalogue[changed[0]].label} from ${now[changed[0]]} to ${wanted[changed[0]]}.`;
  return (
    <Dialog
      title="Scale / presets"
      description="Every change is shown as a plan before it is applied."
      onClose={onClose}
      wide
      footer={
        <>
          <span id={hintId} className="mr-auto self-center text-xs text-zinc-500" aria-live="polite">
            {hint}
          </span>
          <Button onClick={onClose}>Cancel</Button>
          <Button
            tone="primary"
            aria-describedby={hintId}
            disabled={changed.length !== 1}
            onClick={() => onPreview({ kind: "scale", type: changed[0], count: wanted[changed[0]], ...placement })}
          >
            Preview plan
          </Button>
        </>
      }
    >
      {nodes ? <NodeChoice nodes={nodes} node={node} pin={pin} onNode={setNode} onPin={setPin} /> : null}
      <section aria-label="Presets" className="mb-4">
        <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-zinc-500">Presets (the guide&apos;s sizing)</h3>
        <ul className="grid gap-1.5 sm:grid-cols-2">
          {(Object.keys(presets) as PresetName[]).map((name) => (
            <li key={name}>
              <PresetButton name={name} onChoose={() => onPreview({ kind: "preset", preset: name, ...placement })} />
            </li>
          ))}
        </ul>
      </section>
      <section aria-label="Workers per kind">
        <h3 className="mb-1.5 text-xs font-semibold uppercase tracking-wide text-zinc-500">Workers per kind</h3>
        <table className="w-full text-xs">
          <thead className="text-left text-zinc-500">
            <tr>
              <th className="py-1 font-normal">Kind</th>
              <th className="py-1 text-right font-normal">Now</th>
              <th className="py-1 text-right font-normal">Wanted</th>
            </tr>
          </thead>
          <tbody>
            {workerKinds.map((kind) => {
              const spec = workerCatalogue[kind];
              const max = spec.max ?? 50;
              return (
                <tr key={kind} className={`border-t border-zinc-100 dark:border-zinc-800 ${wanted[kind] !== now[kind] ? "bg-sky-50 dark:bg-sky-950/40" : ""}`}>
                  <td className="py-1 pr-2">
                    <span className="font-medium">{spec.label}</span>
                    <span className="block text-[11px] text-zinc-500">{spec.purpose}</span>
                  </td>
                  <td className="py-1 pr-3 text-right tabular-nums">{now[kind]}</td>
                  <td className="py-1 text-right">
                    <input
                      type="number"
                      min={0}
                      max={max}
                      step={1}
                      aria-label={`${spec.label} count`}
                      value={wanted[kind]}
                      onChange={(e) => {
                        const n = Math.max(0, Math.min(max, Math.floor(Number(e.target.value) || 0)));
                        setWanted((w) => ({ ...w, [kind]: n }));
                      }}
                      className="w-16 rounded border border-zinc-300 bg-white px-1.5 py-0.5 text-right tabular-nums dark:border-zinc-700 dark:bg-zinc-950"
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </section>
    </Dialog>
  );
}

function PresetButton({ name, onChoose }: { name: PresetName; onChoose: () => void }) {
  const descId = useId();
  return (
    <button
      type="button"
      onClick={onChoose}
      aria-label={presets[name].label}
      aria-describedby={descId}
      className="w-full rounded-md border border-zinc-200 px-2 py-1.5 text-left hover:border-sky-400 hover:bg-sky-50 dark:border-zinc-800 dark:hover:border-sky-700 dark:hover:bg-sky-950/40"
    >
      <span className="block text-xs font-medium">{presets[name].label}</span>
      <span id={descId} className="block text-[11px] text-zinc-500">
        {presetText(name)}
      </span>
    </button>
  );
}

/** Where new workers start on a swarm: spread by the planner, or one node (kept there if pinned). */
function NodeChoice({ nodes, node, pin, onNode, onPin }: { nodes: SwarmNode[]; node: string; pin: boolean; onNode: (n: string) => void; onPin: (p: boolean) => void }) {
  const selectId = useId();
  return (
    <section aria-label="Placement" className="mb-4 flex flex-wrap items-center gap-3 text-xs">
      <label htmlFor={selectId} className="font-semibold uppercase tracking-wide text-zinc-500">
        New workers start on
      </label>
      <select
        id={selectId}
        value={node}
        onChange={(e) => onNode(e.target.value)}
        className="rounded border border-zinc-300 bg-white px-1.5 py-0.5 dark:border-zinc-700 dark:bg-zinc-950"
      >
        <option value="">any node (fewest Synapse processes)</option>
        {nodes.map((n) => {
          const usable = n.availability === "active" && n.state === "ready";
          return (
            <option key={n.id} value={n.hostname} disabled={!usable}>
              {n.hostname} ({n.role}{usable ? "" : `, ${n.state === "ready" ? n.availability : n.state}`})
            </option>
          );
        })}
      </select>
      <label className="flex items-center gap-1.5">
        <input type="checkbox" checked={pin} disabled={!node} onChange={(e) => onPin(e.target.checked)} />
        keep them there (pin)
      </label>
    </section>
  );
}
