import { apiRoute } from "@/lib/api/handler";
import { runCheck } from "@/lib/diagnostics";

export const dynamic = "force-dynamic";

/** One check by id, run now; an unknown id is 404. */
export const GET = apiRoute<{ id: string }>("GET /api/diagnostics/{id}", async ({ params }) => runCheck(params.id));
