import { apiRoute } from "@/lib/api/handler";
import { auditQuerySchema } from "@/lib/contract/admin";
import { listAudit } from "@/lib/audit";

export const dynamic = "force-dynamic";

/** The audit log, newest first, a bounded page at a time (`before`: continue after that entry). */
export const GET = apiRoute("GET /api/admin/audit", async ({ req }) => {
  // Every parameter is whitelisted: the strict schema refuses unknown ones (400).
  const query = auditQuerySchema.parse(Object.fromEntries(req.nextUrl.searchParams));
  return listAudit(query);
});
