// The settings screen's form and table looks, shared by its panels (light and dark).
export const fieldClass =
  "rounded-md border border-zinc-300 bg-white px-2 py-1 text-xs text-zinc-900 focus:outline-none focus-visible:ring-2 focus-visible:ring-sky-600 disabled:opacity-50 dark:border-zinc-700 dark:bg-zinc-950 dark:text-zinc-100";
export const labelClass = "flex flex-col gap-1 text-xs font-medium text-zinc-700 dark:text-zinc-300";
export const tableClass = "w-full border-collapse text-left text-xs";
export const headCellClass = "border-b border-zinc-200 px-2 py-1.5 font-medium text-zinc-500 dark:border-zinc-800";
export const cellClass = "border-b border-zinc-100 px-2 py-1.5 align-middle dark:border-zinc-800/60";
export const panelClass = "flex flex-col gap-4";
export const formClass = "flex flex-wrap items-end gap-3 rounded-md border border-zinc-200 bg-white p-3 dark:border-zinc-800 dark:bg-zinc-900";
