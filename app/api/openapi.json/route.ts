import { apiRoute } from "@/lib/api/handler";
import { openApiDocument } from "@/lib/api/openapi";

/** The API description, generated from the zod schemas that validate the requests. */
export const GET = apiRoute("viewer", async () => openApiDocument());
