import { apiRoute } from "@/lib/api/handler";
import { exportComposeFile } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** The deployment as a docker-compose file, to keep in version control or rebuild elsewhere. */
export const GET = apiRoute("viewer", async () => {
  const yaml = await exportComposeFile();
  return new Response(yaml, {
    headers: {
      "Content-Type": "text/yaml; charset=utf-8",
      "Content-Disposition": 'attachment; filename="docker-compose.fleet.yml"',
      "Cache-Control": "no-store",
    },
  });
});
