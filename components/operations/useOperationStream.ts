"use client";

import { useQueryClient } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { isTerminalStatus } from "@/lib/contract/operations";
import type { Operation } from "@/lib/synapse/plan-schema";
import { topologyKey } from "@/components/topology/useLiveTopology";
import { fetchOperation, historyKey, operationKey } from "./api";

export type StreamState = "connecting" | "live" | "reconnecting" | "done" | "lost";

/**
 * Follows one operation over /api/operations/{id}/events until it ends. When it ends, the
 * topology and the history are refetched (the deployment changed, or was put back).
 * Mount it under `key={id}`: a new id is a new stream with fresh state.
 */
export function useOperationStream(id: string) {
  const qc = useQueryClient();
  const [op, setOp] = useState<Operation | null>(null);
  const [state, setState] = useState<StreamState>("connecting");
  const [error, setError] = useState<string | null>(null);

  useEffect(() => {
    let finished = false;
    const source = new EventSource(`/api/operations/${encodeURIComponent(id)}/events`);
    const accept = (next: Operation) => {
      setOp(next);
      qc.setQueryData(operationKey(next.id), next);
      if (isTerminalStatus(next.status) && !finished) {
        finished = true;
        source.close();
        setState("done");
        void qc.invalidateQueries({ queryKey: topologyKey });
        void qc.invalidateQueries({ queryKey: historyKey });
      }
    };
    source.onopen = () => {
      if (!finished) setState("live");
    };
    source.addEventListener("operation", (msg: MessageEvent<string>) => {
      try {
        accept(JSON.parse(msg.data) as Operation);
      } catch {
        /* a malformed frame is dropped; the next one carries the whole operation again */
      }
    });
    source.onerror = () => {
      if (finished) return;
      if (source.readyState !== EventSource.CLOSED) {
        setState("reconnecting");
        return;
      }
      // The browser gave up (the server refused the stream): read the operation once instead.
      setState("lost");
      fetchOperation(id).then(accept, (e: unknown) => setError(e instanceof Error ? e.message : String(e)));
    };
    return () => {
      finished = true;
      source.close();
    };
  }, [id, qc]);

  return { op, state, error };
}
