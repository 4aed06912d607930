import { apiRoute } from "@/lib/api/handler";

export const dynamic = "force-dynamic";

/** Liveness of the dashboard itself; public, so it says nothing else. */
export const GET = apiRoute("GET /api/health", async () => ({ ok: true }));
