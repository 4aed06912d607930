"use client";

import { useRouter } from "next/navigation";
import type { SynapseProcess } from "@/lib/contract/topology";
import { useOperations } from "@/components/operations/OperationsProvider";
import { Menu, type MenuItem } from "@/components/ui/Menu";
import { configFileOf, configHref } from "@/components/config/links";

/** A card's actions: its logs and its config; for operators restart, stop or start, remove (restart, stop and remove show their plan first). */
export function ProcessCardMenu({ process: p, canOperate }: { process: SynapseProcess; canOperate: boolean }) {
  const { run, busy } = useOperations();
  const router = useRouter();
  const running = p.state === "running" || p.state === "restarting";
  const logs: MenuItem = { label: "Logs", description: "Tail its log on the worker page.", onSelect: () => router.push(`/workers/${encodeURIComponent(p.name)}?tab=logs`) };
  const file = configFileOf(p);
  const config: MenuItem[] = file
    ? [{ label: "Edit config", description: canOperate ? "Its YAML in the config editor." : "Read its YAML in the config editor.", onSelect: () => router.push(configHref(file)) }]
    : [];
  if (!canOperate) return <CardMenu name={p.name} items={[logs, ...config]} />;
  const items: MenuItem[] = [
    logs,
    ...config,
    { label: "Restart", description: "Restart this process.", disabled: busy, onSelect: () => run({ kind: "restart", name: p.name }, "always") },
    running
      ? { label: "Stop", description: "Stop it on purpose (grey, not red).", disabled: busy, onSelect: () => run({ kind: "stop", name: p.name }, "always") }
      : { label: "Start", description: "Start its container again.", disabled: busy, onSelect: () => run({ kind: "start", name: p.name }, "if_destructive") },
  ];
  if (p.type !== "main") {
    items.push({
      label: "Remove",
      description: "Remove the worker, its container and its config.",
      danger: true,
      disabled: busy,
      onSelect: () => run({ kind: "remove_worker", name: p.name }, "always"),
    });
  }
  return <CardMenu name={p.name} items={items} />;
}

function CardMenu({ name, items }: { name: string; items: MenuItem[] }) {
  return (
    <Menu
      label={`Actions for ${name}`}
      items={items}
      buttonClassName="ml-auto inline-flex size-6 items-center justify-center rounded text-zinc-500 hover:bg-zinc-100 hover:text-zinc-800 dark:hover:bg-zinc-800 dark:hover:text-zinc-200"
    >
      <span aria-hidden>⋯</span>
    </Menu>
  );
}
