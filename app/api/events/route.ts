import { apiRoute } from "@/lib/api/handler";
import { sseResponse } from "@/lib/api/sse";
import { acquireStreamSlot } from "@/lib/api/stream-slots";
import { liveHub } from "@/lib/topology/live";

export const dynamic = "force-dynamic";

/** Server-Sent Events: container state, health and stats changes as the engine reports them. */
export const GET = apiRoute("GET /api/events", async ({ req, principal }) => {
  const release = acquireStreamSlot(principal, "events");
  return sseResponse(req, ({ send }) => {
    const unsubscribe = liveHub().subscribe((e) => send(e.type, e));
    return () => {
      unsubscribe();
      release();
    };
  });
});
