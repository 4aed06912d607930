"use client";

import { createContext, useCallback, useContext, useMemo, useRef, useState } from "react";
import type { Intent, Plan } from "@/lib/synapse/plan-schema";
import { changedPlan, previewPlan, startIntent } from "./api";
import { intentTitle } from "./intents";
import { OperationProgress } from "./OperationProgress";
import { PlanDialog } from "./PlanDialog";

/**
 * When to ask before applying: "always" shows the plan first; "if_destructive" only when the
 * plan removes or restarts more than a new worker; "never" starts at once (one-click add).
 */
export type ConfirmMode = "always" | "if_destructive" | "never";

interface Flow {
  intent: Intent;
  title: string;
  plan: Plan | null;
  /** The preview's fingerprint: the apply gets exactly this plan, or a 409 with the new one. */
  fingerprint: string | null;
  /** The plan is shown in a dialog (asked before applying). */
  dialog: boolean;
  starting: boolean;
  error: string | null;
}

interface OperationsApi {
  /** Plans and applies an intent; progress shows in the drawer. */
  run: (intent: Intent, confirm: ConfirmMode) => void;
  /** A plan is being prepared, confirmed or started. */
  busy: boolean;
}

const OperationsContext = createContext<OperationsApi | null>(null);

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Owns the plan → confirm → apply → progress flow for every screen of the console. */
export function OperationsProvider({ children }: { children: React.ReactNode }) {
  const [flow, setFlow] = useState<Flow | null>(null);
  const [active, setActive] = useState<{ id: string; title: string } | null>(null);
  // Each flow gets a number; answers for a flow the operator cancelled are dropped.
  const current = useRef(0);

  const start = useCallback(async (ticket: number, intent: Intent, title: string, fingerprint: string | null) => {
    setFlow((f) => (f && current.current === ticket ? { ...f, starting: true, error: null } : f));
    try {
      const { operationId } = await startIntent(intent, fingerprint);
      // Even a cancelled dialog's operation is shown once it started: the operator must see it run.
      if (current.current === ticket) setFlow(null);
      setActive({ id: operationId, title });
    } catch (e) {
      if (current.current !== ticket) return;
      const changed = changedPlan(e);
      if (changed) {
        // Nothing was applied: show the plan that would run now and ask again.
        setFlow((f) =>
          f ? { ...f, plan: changed.plan, fingerprint: changed.fingerprint, dialog: true, starting: false, error: "The deployment changed since this plan was made. Below is the plan as it stands now: apply it, or cancel." } : f,
        );
        return;
      }
      setFlow((f) => (f ? { ...f, starting: false, error: `Not started: ${message(e)}` } : f));
    }
  }, []);

  const run = useCallback(
    (intent: Intent, confirm: ConfirmMode) => {
      const ticket = ++current.current;
      const title = intentTitle(intent);
      setFlow({ intent, title, plan: null, fingerprint: null, dialog: confirm === "always", starting: false, error: null });
      if (confirm === "never") {
        void start(ticket, intent, title, null);
        return;
      }
      previewPlan(intent).then(
        ({ plan, fingerprint }) => {
          if (current.current !== ticket) return;
          if (confirm === "if_destructive" && !plan.destructive) {
            setFlow((f) => (f ? { ...f, plan, fingerprint } : f));
            void start(ticket, intent, title, fingerprint);
          } else {
            setFlow((f) => (f ? { ...f, plan, fingerprint, dialog: true } : f));
          }
        },
        (e: unknown) => {
          if (current.current !== ticket) return;
          setFlow((f) => (f ? { ...f, error: `No plan: ${message(e)}` } : f));
        },
      );
    },
    [start],
  );

  const cancel = useCallback(() => {
    current.current++;
    setFlow(null);
  }, []);

  const api = useMemo(() => ({ run, busy: flow !== null }), [run, flow]);

  return (
    <OperationsContext.Provider value={api}>
      {children}
      {flow?.dialog ? (
        <PlanDialog
          title={flow.title}
          plan={flow.plan}
          applying={flow.starting}
          error={flow.error}
          onCancel={cancel}
          onApply={() => void start(current.current, flow.intent, flow.title, flow.fingerprint)}
        />
      ) : null}
      {flow && !flow.dialog ? <FlowToast flow={flow} onDismiss={cancel} /> : null}
      {active ? <OperationProgress key={active.id} operationId={active.id} title={active.title} onClose={() => setActive(null)} /> : null}
    </OperationsContext.Provider>
  );
}

/** Planning or starting without a dialog (one-click add), or why it could not. */
function FlowToast({ flow, onDismiss }: { flow: Flow; onDismiss: () => void }) {
  return (
    <section
      aria-label="Operation progress"
      className="fixed bottom-4 right-4 z-40 flex w-[26rem] max-w-[calc(100vw-2rem)] items-start gap-2 rounded-lg border border-zinc-200 bg-white p-3 text-xs shadow-xl dark:border-zinc-800 dark:bg-zinc-900"
    >
      <div className="min-w-0 flex-1">
        <h2 className="text-sm font-semibold">{flow.title}</h2>
        {flow.error ? (
          <p role="alert" className="text-red-700 dark:text-red-400">
            {flow.error}
          </p>
        ) : (
          <p role="status" className="flex items-center gap-2 text-zinc-600 dark:text-zinc-400">
            <span aria-hidden className="inline-block size-3 animate-spin rounded-full border-2 border-amber-500 border-t-transparent" />
            {flow.starting ? "Starting…" : "Preparing the plan…"}
          </p>
        )}
      </div>
      {flow.error ? (
        <button type="button" onClick={onDismiss} aria-label="Dismiss" className="rounded px-1 text-zinc-500 hover:bg-zinc-100 dark:hover:bg-zinc-800">
          ✕
        </button>
      ) : null}
    </section>
  );
}

/** The console's operations flow; mutation controls call `run`. */
export function useOperations(): OperationsApi {
  const api = useContext(OperationsContext);
  if (!api) throw new Error("useOperations needs <OperationsProvider> (app/(console)/layout.tsx)");
  return api;
}
