import { apiRoute } from "@/lib/api/handler";
import { discoverTopology } from "@/lib/topology/discover";
import { topologyFor } from "@/lib/topology/redact";

export const dynamic = "force-dynamic";

/** The live deployment: every Synapse process, its role, state and health, and the services around it. */
export const GET = apiRoute("GET /api/topology", async ({ principal }) => topologyFor(principal.role, await discoverTopology()));
