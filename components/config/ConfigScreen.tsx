"use client";

import { useQuery } from "@tanstack/react-query";
import { useSearchParams } from "next/navigation";
import { useCanOperate } from "@/components/shell/PrincipalContext";
import { configFilesKey, fetchConfigFiles } from "./api";
import { ConfigFilePane } from "./ConfigFilePane";
import { FileTree } from "./FileTree";

const DEFAULT_FILE = "homeserver.yaml";

/** The Config screen: the file tree, and the file named in the URL (`/config?file=workers/x.yaml`) open in the editor. */
export function ConfigScreen() {
  const params = useSearchParams();
  const path = params.get("file") || DEFAULT_FILE;
  const canOperate = useCanOperate();
  const files = useQuery({ queryKey: configFilesKey, queryFn: fetchConfigFiles, staleTime: 0 });
  const known = !files.data || files.data.some((f) => f.path === path);

  return (
    <div className="flex h-screen min-h-0 flex-col gap-3 p-4">
      <header>
        <h1 className="text-base font-semibold">Config</h1>
        <p className="text-xs text-zinc-500">
          homeserver.yaml and the worker files, checked as you type. Saving shows the plan first: what restarts and why. Secrets show as «masked»; leave them so and they
          stay as they are on disk.
        </p>
      </header>
      <div className="flex min-h-0 flex-1 gap-4">
        <aside className="w-56 shrink-0 overflow-y-auto rounded-md border border-zinc-200 bg-white py-2 dark:border-zinc-800 dark:bg-zinc-900">
          {files.error ? (
            <p role="alert" className="px-2 text-xs text-red-700 dark:text-red-400">
              The file list could not be read: {files.error.message}
            </p>
          ) : files.data ? (
            <FileTree files={files.data} selected={path} />
          ) : (
            <p className="px-2 text-xs text-zinc-500">Reading the config directory…</p>
          )}
        </aside>
        <div className="flex min-w-0 flex-1 flex-col">
          {known ? (
            <ConfigFilePane key={path} path={path} canOperate={canOperate} />
          ) : (
            <p role="alert" className="rounded-md border border-amber-300 bg-amber-50 p-3 text-xs text-amber-900 dark:border-amber-900 dark:bg-amber-950 dark:text-amber-200">
              <span className="font-mono">{path}</span> is not a config file the dashboard manages. Pick one from the list.
            </p>
          )}
        </div>
      </div>
    </div>
  );
}
