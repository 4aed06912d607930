import { pass, requireDocker, type Check, type CheckOutcome } from "./model";

/**
 * A Synapse process that exited or keeps restarting: its exit code, its last 30 log lines and,
 * when a line says it, the known cause with what to do about it.
 */

export const TAIL_LINES = 30;

export interface KnownCause {
  id: string;
  pattern: RegExp;
  cause: string;
  fix: string;
}

/** In order: the first one whose pattern matches a line wins (a config error often ends in a traceback). */
export const KNOWN_CAUSES: KnownCause[] = [
  {
    id: "config-error",
    pattern: /\bConfigError\b|Error in configuration/,
    cause: "Synapse refused its configuration",
    fix: "Correct the key the error names (the Config screen shows the files and their findings), then start the process again.",
  },
  {
    id: "txredisapi",
    pattern: /DependencyException\b.*txredisapi|No module named '?txredisapi/,
    cause: "txredisapi is not installed: the image lacks Synapse's redis extra",
    fix: "Use an image with matrix-synapse[redis] installed (pip install 'matrix-synapse[redis]'); every worker needs it.",
  },
  {
    id: "address-in-use",
    pattern: /Address already in use|EADDRINUSE/,
    cause: "Address already in use: another process listens on one of its ports",
    fix: "Give this process's listener a free port in its config file, or stop what holds the port (two processes sharing a network namespace share ports).",
  },
  {
    id: "missing-file",
    pattern: /No such file or directory/,
    cause: "No such file or directory: a file the config names is missing inside the container",
    fix: "Check every path the config names (worker file, log config, signing key, media store) against the container's mounts.",
  },
];

export function knownCause(lines: string[]): { known: KnownCause; line: string } | null {
  for (const cause of KNOWN_CAUSES) {
    const line = lines.find((l) => cause.pattern.test(l));
    if (line) return { known: cause, line: line.trim() };
  }
  return null;
}

const DOWN = new Set(["exited", "restarting", "dead"]);
/** docker stop's SIGTERM (143) or a clean 0: stopped, not crashed, unless the log says otherwise. */
const STOPPED_CODES = new Set([0, 143]);

export const workerStartCheck: Check = {
  id: "worker-start",
  title: "Processes start",
  async run(ctx) {
    requireDocker(ctx);
    const down = ctx.processes.filter((p) => p.unit && DOWN.has(p.state));
    const up = ctx.processes.filter((p) => p.unit && p.state === "running").length;
    if (down.length === 0) return pass([`every Synapse process with a container is running (${up})`]);
    const evidence: string[] = [];
    const fixes: string[] = [];
    let worst: CheckOutcome["status"] = "warn";
    let first: string | undefined;
    for (const p of down) {
      const [state, lines] = await Promise.all([ctx.engine.stateOf(p.unit!.id), ctx.engine.logsTail(p.unit!.id, TAIL_LINES)]);
      const found = knownCause(lines);
      const crashed = state.state === "restarting" || state.state === "dead" || found !== null || !STOPPED_CODES.has(state.exitCode ?? -1);
      if (crashed) {
        worst = "fail";
        first ??= p.name;
      }
      evidence.push(`${p.name} (${p.unit!.name}): ${state.state}, exit code ${state.exitCode ?? "unknown"}${crashed ? "" : " — stopped, not crashed"}`);
      if (found) {
        evidence.push(`${p.name}: known cause: ${found.known.cause} — “${found.line.slice(0, 300)}”`);
        if (!fixes.includes(found.known.fix)) fixes.push(found.known.fix);
      } else if (crashed) {
        fixes.push(`Read ${p.name}'s last lines below for the cause, fix it, then start it again.`);
      }
      evidence.push(`${p.name}: last ${lines.length} log lines:`, ...lines.map((l) => `  ${l.slice(0, 500)}`));
    }
    if (worst === "warn") fixes.push("Start the stopped processes when they are meant to run (Topology → the process → Start).");
    return { status: worst, evidence, fix: fixes.join(" "), process: first ?? down[0].name };
  },
};
