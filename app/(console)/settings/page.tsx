import { headers } from "next/headers";
import { authenticateRequest } from "@/lib/auth";
import { SettingsScreen } from "@/components/settings/SettingsScreen";
import { settingsTab } from "@/components/settings/tabs";

export const metadata = { title: "Settings · Synapse Fleet" };
export const dynamic = "force-dynamic";

/** Users, API tokens and the audit log: admins only (the admin API checks the role again on every call). */
export default async function SettingsPage({ searchParams }: { searchParams: Promise<{ tab?: string | string[] }> }) {
  const principal = await authenticateRequest(new Request("http://fleet.local/", { headers: await headers() }));
  if (principal?.role !== "admin") {
    return (
      <div className="p-6">
        <h1 className="text-base font-semibold">Settings</h1>
        <p role="alert" className="mt-2 text-sm text-zinc-600 dark:text-zinc-400">
          Settings need the admin role.
        </p>
      </div>
    );
  }
  return <SettingsScreen tab={settingsTab((await searchParams).tab)} self={principal.name} />;
}
