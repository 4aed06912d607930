import { apiRoute } from "@/lib/api/handler";
import { exportComposeSecretsFile } from "@/lib/operations";

export const dynamic = "force-dynamic";

/** The values behind the compose file's ${VAR} references, as an env file: an admin's audited reveal. */
export const GET = apiRoute("GET /api/export/compose/secrets", async ({ audit }) => {
  const env = await exportComposeSecretsFile();
  audit.detail = "revealed the compose file's secret values";
  return new Response(env, {
    headers: {
      "Content-Type": "text/plain; charset=utf-8",
      "Content-Disposition": 'attachment; filename="docker-compose.fleet.env"',
      "Cache-Control": "no-store",
    },
  });
});
