import { apiRoute } from "@/lib/api/handler";
import { runDiagnostics } from "@/lib/diagnostics";

export const dynamic = "force-dynamic";

/** Every diagnostic check, run now in parallel (each bounded at 2 s). */
export const GET = apiRoute("GET /api/diagnostics", async () => runDiagnostics());
