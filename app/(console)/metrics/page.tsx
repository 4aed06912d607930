import { Suspense } from "react";
import { MetricsScreen } from "@/components/metrics/MetricsScreen";

export const metadata = { title: "Metrics · Synapse Fleet" };

export default function MetricsPage() {
  return (
    <Suspense>
      <MetricsScreen />
    </Suspense>
  );
}
