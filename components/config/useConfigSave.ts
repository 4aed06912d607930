"use client";

import { useCallback, useRef, useState } from "react";
import type { Plan } from "@/lib/synapse/plan-schema";
import { changedPlan } from "@/components/operations/api";
import { ConfigRequestError, fetchConfigFile, planConfigSave, saveConfigFile, type ConfigEdit, type ConfigFileView, type ServerFinding } from "./api";

/** Where a save stands: its plan shown (then applying), or the disk changed and the merge view is open. */
export type SaveFlow =
  | { step: "plan"; edit: ConfigEdit; plan: Plan | null; fingerprint: string | null; applying: boolean; error: string | null }
  | { step: "merge"; edit: ConfigEdit; theirs: ConfigFileView };

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/**
 * Saving one file: the plan first (Ctrl/Cmd-S or Save), then on confirm the PUT; its operation is
 * handed to `onStarted`. A 409 stale_base from either opens the merge view with the file re-read;
 * a 422 hands the server's findings to the panel and closes the plan.
 */
export function useConfigSave(onStarted: (operationId: string, title: string) => void) {
  const [flow, setFlow] = useState<SaveFlow | null>(null);
  const [refusal, setRefusal] = useState<{ message: string; findings: ServerFinding[] } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  // Answers for a flow the operator cancelled are dropped.
  const ticket = useRef(0);

  const refused = useCallback(async (t: number, edit: ConfigEdit, err: unknown, during: "plan" | "save") => {
    if (ticket.current !== t) return;
    if (err instanceof ConfigRequestError && err.stale) {
      try {
        const theirs = await fetchConfigFile(edit.path);
        if (ticket.current === t) setFlow({ step: "merge", edit, theirs });
      } catch (e) {
        if (ticket.current === t) setFlow({ step: "plan", edit, plan: null, fingerprint: null, applying: false, error: `${err.message}; re-reading it failed: ${message(e)}` });
      }
      return;
    }
    if (err instanceof ConfigRequestError && err.findings.length > 0) {
      setFlow(null);
      setRefusal({ message: err.message, findings: err.findings });
      return;
    }
    const changed = changedPlan(err);
    if (changed) {
      // Nothing was saved: the deployment moved since the plan was shown; show the plan as it is now.
      setFlow({ step: "plan", edit, plan: changed.plan, fingerprint: changed.fingerprint, applying: false, error: "The deployment changed since this plan was made. Below is the plan as it stands now: save again to apply it." });
      return;
    }
    const prefix = during === "plan" ? "No plan" : "Not saved";
    setFlow((f) => (f && f.step === "plan" ? { ...f, applying: false, error: `${prefix}: ${message(err)}` } : { step: "plan", edit, plan: null, fingerprint: null, applying: false, error: `${prefix}: ${message(err)}` }));
  }, []);

  /** Shows what saving `edit` would do; nothing is applied yet. */
  const requestSave = useCallback(
    (edit: ConfigEdit) => {
      const t = ++ticket.current;
      setNotice(null);
      setRefusal(null);
      setFlow({ step: "plan", edit, plan: null, fingerprint: null, applying: false, error: null });
      planConfigSave(edit).then(
        ({ plan, fingerprint }) => {
          if (ticket.current === t) setFlow({ step: "plan", edit, plan, fingerprint, applying: false, error: null });
        },
        (err: unknown) => void refused(t, edit, err, "plan"),
      );
    },
    [refused],
  );

  /** The operator confirmed the plan: save the edit it was made for. */
  const apply = useCallback(() => {
    const current = flow;
    if (!current || current.step !== "plan" || !current.plan) return;
    const t = ticket.current;
    setFlow({ ...current, applying: true, error: null });
    saveConfigFile(current.edit, current.fingerprint).then(
      (out) => {
        if (ticket.current !== t) return;
        setFlow(null);
        if ("operationId" in out) onStarted(out.operationId, `Save ${current.edit.path}`);
        else setNotice("Nothing to save: the file on disk already reads like this.");
      },
      (err: unknown) => void refused(t, current.edit, err, "save"),
    );
  }, [flow, onStarted, refused]);

  const cancel = useCallback(() => {
    ticket.current++;
    setFlow(null);
  }, []);

  return {
    flow,
    refusal,
    notice,
    requestSave,
    apply,
    cancel,
    /** A new keystroke: the server's refusal no longer describes the draft. */
    clearRefusal: useCallback(() => setRefusal(null), []),
    setNotice,
  };
}
