// The settings tabs. A plain module (not "use client"): the server page reads it to pick the tab
// from the URL, and a client module's exports reach server code only as references.
export const SETTINGS_TABS = [
  { id: "users", label: "Users" },
  { id: "tokens", label: "API tokens" },
  { id: "audit", label: "Audit log" },
] as const;
export type SettingsTab = (typeof SETTINGS_TABS)[number]["id"];

/** The tab a ?tab= value names; anything else opens Users. */
export function settingsTab(asked: string | string[] | undefined): SettingsTab {
  return SETTINGS_TABS.find((t) => t.id === asked)?.id ?? "users";
}
