import { apiRoute } from "@/lib/api/handler";
import { metricsIndex } from "@/lib/prometheus/panel-data";

export const dynamic = "force-dynamic";

/** The metric panels, the ranges, and where the dashboard reads Prometheus. */
export const GET = apiRoute("GET /api/metrics", async () => metricsIndex());
