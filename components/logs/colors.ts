import type { AnsiColor, LogLevel } from "@/lib/logs/parse";

/** One colour per worker, stable for a name across pages and reloads. */
const workerPalette = [
  { text: "text-sky-700 dark:text-sky-400", edge: "border-l-sky-500" },
  { text: "text-violet-700 dark:text-violet-400", edge: "border-l-violet-500" },
  { text: "text-emerald-700 dark:text-emerald-400", edge: "border-l-emerald-500" },
  { text: "text-amber-700 dark:text-amber-400", edge: "border-l-amber-500" },
  { text: "text-rose-700 dark:text-rose-400", edge: "border-l-rose-500" },
  { text: "text-teal-700 dark:text-teal-400", edge: "border-l-teal-500" },
  { text: "text-fuchsia-700 dark:text-fuchsia-400", edge: "border-l-fuchsia-500" },
  { text: "text-lime-700 dark:text-lime-400", edge: "border-l-lime-500" },
  { text: "text-orange-700 dark:text-orange-400", edge: "border-l-orange-500" },
  { text: "text-indigo-700 dark:text-indigo-400", edge: "border-l-indigo-500" },
] as const;

export function workerColor(name: string): (typeof workerPalette)[number] {
  let h = 0;
  for (let i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
  return workerPalette[Math.abs(h) % workerPalette.length];
}

export const levelStyle: Record<LogLevel, string> = {
  DEBUG: "text-zinc-400 dark:text-zinc-500",
  INFO: "text-zinc-500 dark:text-zinc-400",
  WARNING: "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-300",
  ERROR: "bg-red-100 text-red-800 dark:bg-red-950 dark:text-red-300",
  CRITICAL: "bg-red-700 text-white dark:bg-red-600",
};

export const ansiStyle: Record<AnsiColor, string> = {
  black: "text-zinc-900 dark:text-zinc-400",
  red: "text-red-700 dark:text-red-400",
  green: "text-green-700 dark:text-green-400",
  yellow: "text-yellow-700 dark:text-yellow-300",
  blue: "text-blue-700 dark:text-blue-400",
  magenta: "text-fuchsia-700 dark:text-fuchsia-400",
  cyan: "text-cyan-700 dark:text-cyan-400",
  white: "text-zinc-500 dark:text-zinc-200",
  "bright-black": "text-zinc-500",
  "bright-red": "text-red-600 dark:text-red-300",
  "bright-green": "text-green-600 dark:text-green-300",
  "bright-yellow": "text-yellow-600 dark:text-yellow-200",
  "bright-blue": "text-blue-600 dark:text-blue-300",
  "bright-magenta": "text-fuchsia-600 dark:text-fuchsia-300",
  "bright-cyan": "text-cyan-600 dark:text-cyan-300",
  "bright-white": "text-zinc-400 dark:text-white",
};
