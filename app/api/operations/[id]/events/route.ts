import { ApiError } from "@/lib/api/errors";
import { apiRoute } from "@/lib/api/handler";
import { operationFor } from "@/lib/topology/redact";
import { isTerminalStatus } from "@/lib/contract/operations";
import { sseResponse } from "@/lib/api/sse";
import { acquireStreamSlot } from "@/lib/api/stream-slots";
import { getOperation, subscribeOperation } from "@/lib/operations";
import type { Operation } from "@/lib/synapse/plan-schema";
import { logSafely } from "@/lib/log";

export const dynamic = "force-dynamic";

/**
 * Server-Sent Events: the whole operation (event `operation`) now and on every change;
 * the stream ends after a terminal status.
 */
export const GET = apiRoute<{ id: string }>("GET /api/operations/{id}/events", async ({ req, params, principal }) => {
  if (!(await getOperation(params.id))) throw new ApiError("not_found", `No operation ${params.id}`);
  const release = acquireStreamSlot(principal, "operation");
  return sseResponse(req, ({ send, close }) => {
    let sawLiveChange = false;
    const sendOperation = (op: Operation) => {
      send("operation", operationFor(principal.role, op));
      if (isTerminalStatus(op.status)) close();
    };
    const unsubscribe = subscribeOperation(params.id, (op) => {
      sawLiveChange = true;
      sendOperation(op);
    });
    // Read after subscribing so no change falls between; a change that arrived meanwhile is newer.
    getOperation(params.id).then(
      (op) => {
        if (op && !sawLiveChange) sendOperation(op);
      },
      (err: unknown) => {
        logSafely("[api] operation events: reading the operation failed:", err);
        close(); // the browser reconnects and reads again
      },
    );
    return () => {
      unsubscribe();
      release();
    };
  });
});
