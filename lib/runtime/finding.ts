/**
 * What a start-up check found, in the operator's words: printed once when the dashboard starts
 * (in a container, before the server), so a missing mount is named with its fix instead of
 * surfacing later as a puzzling error. Pure: no imports.
 */
export interface StartupFinding {
  check: "engine_socket" | "config_dir" | "database";
  /** ok: nothing to do; problem: the dashboard runs but part of it cannot work; unknown: could not be checked. */
  status: "ok" | "problem" | "unknown";
  message: string;
  /** What to change, as the operator would type it (a docker run flag, a compose line). */
  fix?: string;
}

/** One finding as the lines printed at start. */
export function formatFinding(f: StartupFinding): string {
  const tag = f.status === "ok" ? "ok" : f.status === "problem" ? "PROBLEM" : "cannot check";
  const lines = [`[startup] ${f.check}: ${tag}: ${f.message}`];
  if (f.fix) lines.push(...f.fix.split("\n").map((l) => `[startup]   fix: ${l}`));
  return lines.join("\n");
}
