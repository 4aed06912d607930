"use client";

import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useCallback, useEffect, useMemo, useState } from "react";
import { validateDeployment } from "@/lib/synapse/rules";
import { configDeploymentKey, configFileKey, configFilesKey, fetchConfigFile, fetchConfigFiles, isValidatedFile, type ConfigFileView } from "./api";
import type { PanelFinding } from "./FindingsPanel";

/** The file as opened: the base a save names, and the operator's edit of it. */
export interface OpenDocument {
  path: string;
  kind: ConfigFileView["kind"];
  editable: boolean;
  /** The masked content and version the edit was made on. */
  content: string;
  version: string;
  draft: string;
  /** Bumped when the editor must show other content (a reload, a discard): its remount key. */
  epoch: number;
}

// Per keystroke, but not per key in a burst of typing.
const VALIDATE_DEBOUNCE_MS = 150;

const fromView = (v: ConfigFileView, epoch: number, draft = v.content): OpenDocument => ({
  path: v.path,
  kind: v.kind,
  editable: v.editable,
  content: v.content,
  version: v.version,
  draft,
  epoch,
});

/** Findings that belong to one file (homeserver-missing has no file of its own). */
const concerns = (path: string) => (f: { file?: string }) => f.file === path || (!f.file && path === "homeserver.yaml");

/**
 * One config file open for editing: its base (content + version), the draft, and the findings of
 * the draft checked together with the other files (fetched once), debounced per keystroke.
 */
export function useConfigDocument(path: string) {
  const qc = useQueryClient();
  const file = useQuery({ queryKey: configFileKey(path), queryFn: () => fetchConfigFile(path), staleTime: 0, refetchOnMount: "always" });
  const deployment = useQuery({
    queryKey: configDeploymentKey,
    queryFn: async () => {
      const entries = await qc.fetchQuery({ queryKey: configFilesKey, queryFn: fetchConfigFiles, staleTime: 0 });
      const views = await Promise.all(entries.filter(isValidatedFile).map((e) => fetchConfigFile(e.path)));
      return Object.fromEntries(views.map((v) => [v.path, v.content])) as Record<string, string>;
    },
  });

  const [doc, setDoc] = useState<OpenDocument | null>(null);
  // Adopt what the server sends when nothing is being edited: a first load, another file, or a
  // new version on disk while the draft is untouched. An edited draft keeps its base (a save then
  // gets 409 stale_base and the merge view).
  const data = file.data;
  if (data && data.path === path && (!doc || doc.path !== path || (doc.version !== data.version && doc.draft === doc.content))) {
    setDoc(fromView(data, (doc?.epoch ?? 0) + 1));
  }
  const open = doc && doc.path === path ? doc : null;

  const setDraft = useCallback((draft: string) => setDoc((d) => (d ? { ...d, draft } : d)), []);

  /** Re-reads the file from disk and shows it (after a save, or to drop the edit). */
  const reload = useCallback(async () => {
    const fresh = await qc.fetchQuery({ queryKey: configFileKey(path), queryFn: () => fetchConfigFile(path), staleTime: 0 });
    setDoc((d) => fromView(fresh, (d?.epoch ?? 0) + 1));
    void qc.invalidateQueries({ queryKey: configFilesKey });
    void qc.invalidateQueries({ queryKey: configDeploymentKey });
  }, [qc, path]);

  /** Opens another version as the base, with a draft of the operator's choosing (merge view). */
  const rebase = useCallback(
    (theirs: ConfigFileView, draft: string) => {
      // The cache learns theirs too, or the adoption above would bring the older read back.
      qc.setQueryData(configFileKey(theirs.path), theirs);
      setDoc((d) => fromView(theirs, (d?.epoch ?? 0) + 1, draft));
      void qc.invalidateQueries({ queryKey: configFilesKey });
      void qc.invalidateQueries({ queryKey: configDeploymentKey });
    },
    [qc],
  );

  const findings = useDraftFindings(open, deployment.data);
  return {
    doc: open,
    loading: file.isPending,
    error: file.error ?? deployment.error,
    setDraft,
    reload,
    rebase,
    findings: findings ?? { own: (data?.findings ?? []).filter(concerns(path)) as PanelFinding[], others: 0 },
  };
}

/** The draft's findings, computed in the browser a short while after the last keystroke. */
function useDraftFindings(doc: OpenDocument | null, deployment: Record<string, string> | undefined) {
  const [result, setResult] = useState<{ key: string; own: PanelFinding[]; others: number } | null>(null);
  const validated = doc && (doc.kind === "homeserver" || doc.kind === "worker");
  const key = doc ? `${doc.path}\u0000${doc.epoch}` : "";
  useEffect(() => {
    if (!doc || !validated || !deployment) return;
    const timer = setTimeout(() => {
      const all = validateDeployment({ ...deployment, [doc.path]: doc.draft });
      const mine = all.filter(concerns(doc.path));
      setResult({ key, own: mine, others: all.length - mine.length });
    }, VALIDATE_DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [doc, validated, deployment, key]);
  return useMemo(() => {
    if (!doc) return null;
    if (!validated) return { own: [], others: 0 };
    // A stale result (another file, or content replaced) is not shown: the server's findings are.
    return result && result.key === key ? { own: result.own, others: result.others } : null;
  }, [doc, validated, result, key]);
}
