import { DiagnosticsScreen } from "@/components/diagnostics/DiagnosticsScreen";

export const metadata = { title: "Diagnostics · Synapse Fleet" };

export default function DiagnosticsPage() {
  return <DiagnosticsScreen />;
}
