import { headers } from "next/headers";
import { redirect } from "next/navigation";
import { authenticateRequest } from "@/lib/auth";
import { signInPathFor } from "@/lib/auth/redirect";
import { Sidebar } from "@/components/shell/Sidebar";
import { PrincipalProvider } from "@/components/shell/PrincipalContext";
import { OperationsProvider } from "@/components/operations/OperationsProvider";

export const dynamic = "force-dynamic";

/** Every console screen needs a signed-in user; the API checks again on each call. */
export default async function ConsoleLayout({ children }: { children: React.ReactNode }) {
  const h = await headers();
  const principal = await authenticateRequest(new Request("http://fleet.local/", { headers: h }));
  // The page asked for comes back after signing in (scripts/server.mjs says which it was).
  if (!principal) redirect(signInPathFor(h.get("x-fleet-page")));
  return (
    <div className="flex min-h-screen">
      <Sidebar user={{ name: principal.name, role: principal.role }} />
      <PrincipalProvider user={{ name: principal.name, role: principal.role }}>
        <OperationsProvider>
          <main className="min-w-0 flex-1">{children}</main>
        </OperationsProvider>
      </PrincipalProvider>
    </div>
  );
}
