import { apiRoute } from "@/lib/api/handler";
import { exportComposeFile } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** The deployment as a docker-compose file; every secret is a ${VAR} reference, never a value. */
export const GET = apiRoute("GET /api/export/compose", async () => {
  const yaml = await exportComposeFile();
  return new Response(yaml, {
    headers: {
      "Content-Type": "text/yaml; charset=utf-8",
      "Content-Disposition": 'attachment; filename="docker-compose.fleet.yml"',
      "Cache-Control": "no-store",
    },
  });
});
