import { apiRoute } from "@/lib/api/handler";
import { openApiDocument } from "@/lib/api/openapi";

/** The API description, generated from the zod schemas that validate the requests. */
export const GET = apiRoute("GET /api/openapi.json", async () => openApiDocument());
