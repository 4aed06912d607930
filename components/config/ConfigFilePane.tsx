"use client";

import { useQuery } from "@tanstack/react-query";
import dynamic from "next/dynamic";
import { useCallback, useEffect, useRef, useState } from "react";
import { isTerminalStatus } from "@/lib/contract/operations";
import { fetchOperation, operationKey } from "@/components/operations/api";
import { OperationProgress } from "@/components/operations/OperationProgress";
import { PlanDialog } from "@/components/operations/PlanDialog";
import { Button } from "@/components/ui/Button";
import type { JumpTarget } from "./ConfigEditor";
import { FindingsPanel, type PanelFinding } from "./FindingsPanel";
import { useConfigDocument } from "./useConfigDocument";
import { useConfigSave } from "./useConfigSave";

// CodeMirror is loaded here only, in the browser: no other screen carries it.
const loadingEditor = () => <p className="p-3 text-xs text-zinc-500">Loading the editor…</p>;
const ConfigEditor = dynamic(() => import("./ConfigEditor"), { ssr: false, loading: loadingEditor });
const ConfigMergeView = dynamic(() => import("./ConfigMergeView"), { ssr: false, loading: loadingEditor });

const alertClass = "rounded-md border border-red-300 bg-red-50 p-2 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200";
const noteClass = "rounded-md border border-zinc-200 bg-zinc-50 p-2 text-xs text-zinc-600 dark:border-zinc-800 dark:bg-zinc-900 dark:text-zinc-400";

function readOnlyReason(kind: string, editable: boolean, canOperate: boolean): string | null {
  if (!canOperate) return "Read-only: viewers can read the config; an operator or admin saves it.";
  if (kind === "targets") return "Read-only: the Prometheus targets are written by the dashboard's plans (add, remove, a metrics port change).";
  if (!editable) return "Read-only: the dashboard does not save this file.";
  return null;
}

/**
 * One config file: the editor with inline findings, the findings panel, and Save, which shows the
 * plan (what restarts and why) and, confirmed, saves it as an operation followed to its end.
 */
export function ConfigFilePane({ path, canOperate }: { path: string; canOperate: boolean }) {
  const { doc, loading, error, setDraft, reload, rebase, findings } = useConfigDocument(path);
  // Followed to its end even when the operator closes the drawer: the editor reloads on success.
  const [operation, setOperation] = useState<{ id: string; title: string; drawer: boolean } | null>(null);
  const save = useConfigSave(useCallback((id: string, title: string) => setOperation({ id, title, drawer: true }), []));
  const [jump, setJump] = useState<JumpTarget | null>(null);
  const [afterSave, setAfterSave] = useState<string | null>(null);

  const readOnly = doc ? readOnlyReason(doc.kind, doc.editable, canOperate) : null;
  const dirty = !!doc && doc.draft !== doc.content;

  const requestSave = useCallback(() => {
    if (!doc || readOnly || save.flow) return;
    if (!dirty) {
      save.setNotice("No changes to save.");
      return;
    }
    save.requestSave({ path: doc.path, content: doc.draft, baseVersion: doc.version });
  }, [doc, readOnly, dirty, save]);

  // Ctrl/Cmd-S anywhere on the screen (the editor handles it itself when focused).
  const saveRef = useRef(requestSave);
  useEffect(() => {
    saveRef.current = requestSave;
  }, [requestSave]);
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "s" && !e.defaultPrevented) {
        e.preventDefault();
        saveRef.current();
      }
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, []);

  // An unsaved edit is not lost to a closed tab without a question.
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);

  // The progress drawer streams the operation into the query cache; its end is read from there.
  const op = useQuery({ queryKey: operationKey(operation?.id ?? ""), queryFn: () => fetchOperation(operation!.id), enabled: false }).data;
  const handled = useRef<string | null>(null);
  useEffect(() => {
    if (!op || !isTerminalStatus(op.status) || handled.current === op.id) return;
    handled.current = op.id;
    if (op.status === "succeeded") {
      reload().then(
        () => setAfterSave("Saved."),
        (e: unknown) => setAfterSave(`Saved, but re-reading the file failed: ${e instanceof Error ? e.message : String(e)}`),
      );
    } else {
      setAfterSave("The save did not complete and the files were put back; your edit is still here.");
    }
  }, [op, reload]);

  const onChange = useCallback(
    (text: string) => {
      setDraft(text);
      save.clearRefusal();
      setAfterSave(null);
    },
    [setDraft, save],
  );
  const onJump = useCallback((f: PanelFinding) => setJump((j) => ({ line: f.line ?? 1, column: f.column ?? 1, seq: (j?.seq ?? 0) + 1 })), []);

  const shown = save.refusal ? { own: save.refusal.findings.filter((f) => !f.file || f.file === path) as PanelFinding[], others: 0 } : findings;
  const flow = save.flow;

  return (
    <div className="flex min-h-0 flex-1 flex-col gap-3">
      <header className="flex flex-wrap items-center gap-2">
        <h2 className="font-mono text-sm font-semibold">{path}</h2>
        {doc ? (
          <span className="font-mono text-[11px] text-zinc-500" title={doc.version} data-testid="config-version">
            {doc.version.slice(0, 7)}
          </span>
        ) : null}
        {dirty ? <span className="rounded bg-amber-100 px-1.5 py-px text-[10px] font-semibold text-amber-900 dark:bg-amber-950 dark:text-amber-200">edited</span> : null}
        {doc && !readOnly ? (
          <span className="ml-auto flex gap-2">
            <Button onClick={() => void reload()} disabled={!dirty || !!flow}>
              Discard changes
            </Button>
            <Button tone="primary" onClick={requestSave} disabled={!!flow} aria-keyshortcuts="Control+S Meta+S" title="Save (Ctrl/Cmd-S): shows the plan first">
              Save…
            </Button>
          </span>
        ) : null}
      </header>
      {error ? <p role="alert" className={alertClass}>{error.message}</p> : null}
      {readOnly ? <p className={noteClass} data-testid="read-only-note">{readOnly}</p> : null}
      {save.notice ? <p role="status" className={noteClass}>{save.notice}</p> : null}
      {afterSave ? <p role="status" className={noteClass}>{afterSave}</p> : null}
      {save.refusal ? <p role="alert" className={alertClass}>Not saved: {save.refusal.message}</p> : null}
      {loading && !doc ? <p className="text-xs text-zinc-500">Reading {path}…</p> : null}

      {doc && flow?.step === "merge" ? (
        <ConfigMergeView
          key={`${flow.theirs.version}:${doc.epoch}`}
          path={path}
          theirs={flow.theirs.content}
          mine={flow.edit.content}
          onUseMine={(mine) => {
            rebase(flow.theirs, mine);
            save.requestSave({ path, content: mine, baseVersion: flow.theirs.version });
          }}
          onDiscardMine={() => {
            rebase(flow.theirs, flow.theirs.content);
            save.cancel();
          }}
        />
      ) : doc ? (
        <div className="grid min-h-[24rem] flex-1 grid-rows-[minmax(0,1fr)_auto] gap-3 lg:grid-cols-[minmax(0,1fr)_20rem] lg:grid-rows-1">
          <div className="min-h-[20rem] overflow-hidden rounded-md border border-zinc-200 dark:border-zinc-800">
            <ConfigEditor
              key={`${doc.path}:${doc.epoch}`}
              path={doc.path}
              initialContent={doc.draft}
              readOnly={!!readOnly}
              markers={shown.own}
              jump={jump}
              onChange={onChange}
              onSave={requestSave}
            />
          </div>
          <FindingsPanel findings={shown.own} others={shown.others} source={save.refusal ? "server" : "editor"} onJump={onJump} />
        </div>
      ) : null}

      {flow?.step === "plan" ? (
        <PlanDialog title={`Save ${flow.edit.path}`} plan={flow.plan} applying={flow.applying} error={flow.error} onApply={save.apply} onCancel={save.cancel} />
      ) : null}
      {operation?.drawer ? (
        <OperationProgress key={operation.id} operationId={operation.id} title={operation.title} onClose={() => setOperation((o) => (o ? { ...o, drawer: false } : o))} />
      ) : null}
    </div>
  );
}
