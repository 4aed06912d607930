import { apiRoute } from "@/lib/api/handler";
import { sseResponse } from "@/lib/api/sse";
import { liveHub } from "@/lib/topology/live";

export const dynamic = "force-dynamic";

/** Server-Sent Events: container state, health and stats changes as the engine reports them. */
export const GET = apiRoute("viewer", async ({ req }) => sseResponse(req, ({ send }) => liveHub().subscribe((e) => send(e.type, e))));
