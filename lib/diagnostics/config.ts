import { CannotRun, pass, type Check } from "./model";

/** The validator (lib/synapse/rules.ts) over the config dir as saved: an error fails, a warning warns. */

const MAX_LISTED = 30;

export const configCheck: Check = {
  id: "config",
  title: "Configuration",
  async run(ctx) {
    if (!ctx.files) throw new CannotRun(`the config directory cannot be read: ${ctx.filesError ?? "SYNAPSE_CONFIG_DIR is not set"}`);
    const findings = ctx.validate(ctx.files);
    const workerFiles = Object.keys(ctx.files).filter((f) => f.startsWith("workers/")).length;
    if (findings.length === 0) return pass([`homeserver.yaml and ${workerFiles} worker file${workerFiles === 1 ? "" : "s"}: no findings`]);
    const errors = findings.filter((f) => f.level === "error");
    const ordered = [...errors, ...findings.filter((f) => f.level !== "error")];
    const evidence = ordered.slice(0, MAX_LISTED).map((f) => `${f.level}: ${f.file}:${f.line}: ${f.message} [${f.rule}]`);
    if (ordered.length > MAX_LISTED) evidence.push(`… and ${ordered.length - MAX_LISTED} more (the Config screen lists them all)`);
    const fixes = [...new Set(ordered.map((f) => f.fix))];
    return { status: errors.length > 0 ? "fail" : "warn", evidence, fix: fixes.slice(0, 10).join(" ") };
  },
};
