import { apiRoute } from "@/lib/api/handler";
import type { MeResponse } from "@/lib/contract/auth";

export const dynamic = "force-dynamic";

/** Who is calling, with which role and kind of credential. */
export const GET = apiRoute("GET /api/auth/me", async ({ principal }): Promise<MeResponse> => ({
  name: principal.name,
  role: principal.role,
  kind: principal.kind,
}));
