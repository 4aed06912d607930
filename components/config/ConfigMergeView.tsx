"use client";

import { MergeView } from "@codemirror/merge";
import { useEffect, useRef } from "react";
import { Button } from "@/components/ui/Button";
import { newSchemeCompartment, schemeExtension, usePrefersDark, yamlBasics } from "./codemirror-setup";

/**
 * The file changed on disk while it was edited (409 stale_base): theirs (the disk now, read-only)
 * beside yours (still editable). "Use mine on their version" saves yours with their version as
 * the base; "Discard mine" opens theirs.
 */
export default function ConfigMergeView({
  path,
  theirs,
  mine,
  onUseMine,
  onDiscardMine,
}: {
  path: string;
  theirs: string;
  mine: string;
  onUseMine: (content: string) => void;
  onDiscardMine: () => void;
}) {
  const host = useRef<HTMLDivElement>(null);
  const merge = useRef<MergeView | null>(null);
  const schemes = useRef([newSchemeCompartment(), newSchemeCompartment()]);
  const dark = usePrefersDark();
  const initial = useRef({ path, theirs, mine });

  useEffect(() => {
    if (!host.current) return;
    const { path, theirs, mine } = initial.current;
    const isDark = window.matchMedia("(prefers-color-scheme: dark)").matches;
    const [a, b] = schemes.current;
    const m = new MergeView({
      parent: host.current,
      a: { doc: theirs, extensions: [yamlBasics(`Theirs: ${path} on disk now`, true), a.of(schemeExtension(isDark))] },
      b: { doc: mine, extensions: [yamlBasics(`Yours: ${path} as you edited it`, false), b.of(schemeExtension(isDark))] },
      gutter: true,
      highlightChanges: true,
      collapseUnchanged: { margin: 3, minSize: 6 },
    });
    merge.current = m;
    return () => {
      m.destroy();
      merge.current = null;
    };
  }, []);

  useEffect(() => {
    const m = merge.current;
    if (!m) return;
    const [a, b] = schemes.current;
    m.a.dispatch({ effects: a.reconfigure(schemeExtension(dark)) });
    m.b.dispatch({ effects: b.reconfigure(schemeExtension(dark)) });
  }, [dark]);

  return (
    <section aria-label="Changed on disk" className="flex min-h-0 flex-1 flex-col gap-2">
      <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-2 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
        <span className="font-mono">{path}</span> changed on disk since you opened it. Compare theirs (left) with yours (right); you can still edit yours.
      </div>
      <div className="grid grid-cols-2 gap-0 text-[11px] font-semibold uppercase tracking-wide text-zinc-500">
        <span>Theirs — on disk now</span>
        <span className="pl-2">Yours</span>
      </div>
      <div ref={host} data-testid="config-merge" className="min-h-0 flex-1 overflow-auto rounded-md border border-zinc-200 dark:border-zinc-800 [&_.cm-mergeView]:h-full" />
      <div className="flex gap-2">
        <Button tone="primary" onClick={() => onUseMine(merge.current?.b.state.doc.toString() ?? initial.current.mine)}>
          Use mine on their version
        </Button>
        <Button onClick={onDiscardMine}>Discard mine</Button>
      </div>
    </section>
  );
}
