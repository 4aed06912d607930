"use client";

import dynamic from "next/dynamic";
import Link from "next/link";
import type { SynapseProcess } from "@/lib/contract/topology";
import { configFileOf, configHref } from "@/components/config/links";

// The editor and the validator load with this tab only.
const ConfigFilePane = dynamic(() => import("@/components/config/ConfigFilePane").then((m) => m.ConfigFilePane), {
  ssr: false,
  loading: () => <p className="text-xs text-zinc-500">Loading the editor…</p>,
});

/** A worker page's Config tab: its YAML in the config editor, saved like on the Config screen. */
export function WorkerConfig({ process, canOperate }: { process: SynapseProcess; canOperate: boolean }) {
  const file = configFileOf(process);
  if (!file) {
    return <p className="text-xs text-zinc-500">This process has no config file the dashboard knows of.</p>;
  }
  return (
    <div className="flex min-h-[32rem] flex-col gap-2">
      <p className="text-xs text-zinc-500">
        <Link href={configHref(file)} className="text-sky-700 underline-offset-2 hover:underline dark:text-sky-400">
          Open on the Config screen
        </Link>{" "}
        to see the other files.
      </p>
      <ConfigFilePane path={file} canOperate={canOperate} />
    </div>
  );
}
