"use client";

import { useLiveTopology } from "@/components/topology/useLiveTopology";
import { LogViewer } from "./LogViewer";
import { usePickableProcesses } from "./ProcessPicker";

/** The Logs screen: any processes, merged in time order; the selection and filters live in the URL. */
export function LogsScreen() {
  const { data, error } = useLiveTopology();
  const processes = usePickableProcesses(data?.processes);
  return (
    <div className="flex h-screen flex-col gap-3 p-4">
      <header>
        <h1 className="text-base font-semibold">Logs</h1>
        <p className="text-xs text-zinc-500">Live lines of the chosen processes, merged in time order. Click a request id to follow it across workers.</p>
      </header>
      {error ? (
        <p role="alert" className="rounded-md border border-red-300 bg-red-50 p-2 text-xs text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
          The process list could not be read ({error.message}); the logs still stream for the processes in the address.
        </p>
      ) : null}
      <LogViewer processes={processes} />
    </div>
  );
}
