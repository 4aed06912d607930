import { apiRoute } from "@/lib/api/handler";
import { sseHoldingSlot } from "@/lib/api/stream-slots";
import { operationEvents } from "@/lib/operations";

export const dynamic = "force-dynamic";

/**
 * Server-Sent Events: the whole operation (event `operation`) now and on every change, as the
 * caller's role may see it; the stream ends after a terminal status.
 */
export const GET = apiRoute<{ id: string }>("GET /api/operations/{id}/events", async ({ req, params, principal }) => {
  const events = await operationEvents(principal.role, params.id); // an unknown id is 404 before a slot is taken
  return sseHoldingSlot(req, principal, "operation", () => events);
});
