import { Suspense } from "react";
import { LogsScreen } from "@/components/logs/LogsScreen";

export const metadata = { title: "Logs · Synapse Fleet" };

export default function LogsPage() {
  return (
    <Suspense>
      <LogsScreen />
    </Suspense>
  );
}
