import { apiRoute } from "@/lib/api/handler";
import { sseHoldingSlot } from "@/lib/api/stream-slots";
import { liveHub } from "@/lib/topology/live";

export const dynamic = "force-dynamic";

/** Server-Sent Events: container state, health and stats changes as the engine reports them. */
export const GET = apiRoute("GET /api/events", async ({ req, principal }) =>
  sseHoldingSlot(req, principal, "events", () => ({ send }) => liveHub().subscribe((e) => send(e.type, e))),
);
