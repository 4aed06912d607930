import { apiRoute } from "@/lib/api/handler";
import { panelData } from "@/lib/prometheus/panel-data";

export const dynamic = "force-dynamic";

/** One panel's series per process; the query string is checked in lib/prometheus/params.ts. */
export const GET = apiRoute<{ panel: string }>("GET /api/metrics/{panel}", async ({ req, params }) =>
  panelData(params.panel, req.nextUrl.searchParams, { signal: req.signal }),
);
