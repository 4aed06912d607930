// Runs in the image before the server (entrypoint.sh): names what is missing — the engine socket,
// the config dir at its host path, the database — with its fix, and makes sure admin can sign in.
// Bundled into /app/prestart.mjs by build.sh. It always exits 0 unless it crashes itself: a
// missing mount must give a running dashboard that says why (503 with the cause), not a crash loop.
import { closeDb } from "@/lib/db";
import { formatFinding, runStartupChecks } from "@/lib/runtime/startup";

const findings = await runStartupChecks();
for (const f of findings) console.log(formatFinding(f));
const problems = findings.filter((f) => f.status === "problem").length;
if (problems > 0) console.log(`[startup] ${problems} problem(s) above: the dashboard starts anyway and its API answers 503 with the cause where they matter`);
await closeDb();
process.exit(0);
