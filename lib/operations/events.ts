import "server-only";
import type { Role } from "@/lib/auth/roles";
import { isTerminalStatus } from "@/lib/contract/operations";
import { FleetError } from "@/lib/errors";
import { logSafely } from "@/lib/log";
import type { Operation } from "@/lib/synapse/plan-schema";
import { operationFor } from "@/lib/topology/redact";
import { readOperation, subscribe } from "./service";

/** Where an operation's events go: the API wraps it as Server-Sent Events (lib/api/sse.ts). */
export interface OperationChannel {
  send(event: string, data: unknown): void;
  /** Ends the stream; a browser reconnects and reads the operation again. */
  close(): void;
}

/**
 * One operation's events as a caller of `role` may see them: the whole operation (event
 * `operation`) now and on every recorded change, ending after a terminal status. An unknown id is
 * refused (not_found) before anything is opened. Started on a channel, the stream returns its cleanup.
 */
export async function operationEvents(role: Role, id: string): Promise<(channel: OperationChannel) => () => void> {
  if (!(await readOperation(id))) throw new FleetError("not_found", `No operation ${id}`);
  return (channel) => {
    let sawLiveChange = false;
    const sendOperation = (op: Operation) => {
      channel.send("operation", operationFor(role, op));
      if (isTerminalStatus(op.status)) channel.close();
    };
    const unsubscribe = subscribe(id, (op) => {
      sawLiveChange = true;
      sendOperation(op);
    });
    // Read after subscribing so no change falls between; a change that arrived meanwhile is newer.
    readOperation(id).then(
      (op) => {
        if (op && !sawLiveChange) sendOperation(op);
      },
      (err: unknown) => {
        logSafely("[operations] operation events: reading the operation failed:", err);
        channel.close(); // the browser reconnects and reads again
      },
    );
    return unsubscribe;
  };
}
