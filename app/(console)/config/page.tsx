import { Suspense } from "react";
import { ConfigScreen } from "@/components/config/ConfigScreen";

export const metadata = { title: "Config · Synapse Fleet" };

export default function ConfigPage() {
  return (
    <Suspense>
      <ConfigScreen />
    </Suspense>
  );
}
