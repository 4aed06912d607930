import type { Health } from "@/lib/contract/topology";

/** One status colour language: green healthy, amber starting/degraded, red failed, grey stopped on purpose. */
export const healthTone: Record<Health, string> = {
  healthy: "bg-emerald-500",
  starting: "bg-amber-400 animate-pulse",
  unhealthy: "bg-red-500",
  stopped: "bg-zinc-400 dark:bg-zinc-500",
  unknown: "bg-zinc-300 dark:bg-zinc-600",
};

export function StatusDot({ health, className = "" }: { health: Health; className?: string }) {
  return <span aria-hidden className={`inline-block size-2.5 shrink-0 rounded-full ${healthTone[health]} ${className}`} />;
}

/** A stopped container whose exit was not asked for is a failure, not a pause. */
export function healthForDisplay(health: Health, state: string): Health {
  if (state === "missing" || state === "dead") return "unhealthy";
  return health;
}
