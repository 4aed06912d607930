// Synapse Fleet admin CLI: users, API tokens, first admin.
//
//   npm run fleet -- user add NAME --role admin|operator|viewer [--password-stdin]
//   npm run fleet -- user list | user passwd NAME [--password-stdin]
//   npm run fleet -- user role NAME --role ROLE | user disable NAME | user enable NAME
//   npm run fleet -- token create --role ROLE [--name N] | token list | token revoke ID
//   npm run fleet -- admin ensure
//
// Runs under `tsx --conditions=react-server` (see package.json): the same export condition
// Next uses for server code, so `import "server-only"` resolves to its empty module and the
// CLI uses lib/auth and lib/db exactly as the app does. Passwords come from --password-stdin or
// FLEET_PASSWORD, else one is generated and printed once. Secrets are never logged elsewhere.
// Every change is written to the audit log as "cli <verb>", by the login that ran it.
import os from "node:os";
import { parseArgs } from "node:util";
import { recordAudit } from "@/lib/audit";
import { closeDb, resolveDbTarget } from "@/lib/db";
import {
  AuthError,
  createApiToken,
  createUser,
  ensureAdmin,
  generatePassword,
  listApiTokens,
  listUsers,
  revokeApiToken,
  setPassword,
  setUserDisabled,
  setUserRole,
} from "@/lib/auth";

const USAGE = `usage: npm run fleet -- <command>
  user add NAME --role admin|operator|viewer [--password-stdin]
  user list
  user passwd NAME [--password-stdin]
  user role NAME --role admin|operator|viewer
  user disable NAME | user enable NAME
  token create --role admin|operator|viewer [--name NAME]
  token list
  token revoke ID
  admin ensure
Passwords: --password-stdin, else $FLEET_PASSWORD, else generated and printed once.
Database: $DATABASE_URL (postgres://… or file:…), else $FLEET_DATA_DIR/fleet.db (default ./data).`;

class UsageError extends Error {}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) throw new UsageError("--password-stdin: pipe the password in (e.g. `printf %s \"$PW\" | …`)");
  let data = "";
  for await (const chunk of process.stdin) data += chunk;
  return data.replace(/\r?\n$/, "");
}

/** The password to set and whether it was generated (and so must be shown). */
async function passwordFrom(flags: { "password-stdin"?: boolean }): Promise<{ password: string; generated: boolean }> {
  if (flags["password-stdin"]) return { password: await readStdin(), generated: false };
  if (process.env.FLEET_PASSWORD) return { password: process.env.FLEET_PASSWORD, generated: false };
  return { password: generatePassword(), generated: true };
}

function table(rows: Array<Record<string, string>>): string {
  if (rows.length === 0) return "(none)";
  const cols = Object.keys(rows[0]);
  const width = cols.map((c) => Math.max(c.length, ...rows.map((r) => r[c].length)));
  const line = (r: Record<string, string>) => cols.map((c, i) => r[c].padEnd(width[i])).join("  ").trimEnd();
  return [line(Object.fromEntries(cols.map((c) => [c, c.toUpperCase()]))), ...rows.map(line)].join("\n");
}

/** The person at the terminal: under sudo, who ran sudo rather than root. */
function cliActor(): string {
  return process.env.SUDO_USER || os.userInfo().username;
}

/**
 * Writes a done change to the audit log. The change has happened by now, so a lost row is
 * reported on stderr but does not turn the command into a failure (a retry would repeat it).
 */
async function audited(verb: string, target: string | null, detail: string | null = null): Promise<void> {
  try {
    await recordAudit({ actor: cliActor(), actorKind: "cli", action: `cli ${verb}`, target, detail, status: 0, ip: null });
  } catch (err) {
    console.error(`warning: could not write the audit entry for "${verb}":`, err instanceof Error ? err.message : err);
  }
}

const when = (d: Date | null) => (d ? d.toISOString().replace(/\.\d+Z$/, "Z") : "-");

function positional(args: string[], index: number, what: string): string {
  const value = args[index];
  if (!value) throw new UsageError(`missing ${what}`);
  return value;
}

async function run(argv: string[]): Promise<void> {
  const { values: flags, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      role: { type: "string" },
      name: { type: "string" },
      "password-stdin": { type: "boolean" },
      help: { type: "boolean", short: "h" },
    },
  });
  const [group, verb] = positionals;
  if (flags.help || !group) {
    console.log(USAGE);
    return;
  }
  const command = `${group} ${verb ?? ""}`.trim();
  switch (command) {
    case "user add": {
      const username = positional(positionals, 2, "NAME");
      if (!flags.role) throw new UsageError("user add needs --role admin|operator|viewer");
      const { password, generated } = await passwordFrom(flags);
      const user = await createUser({ username, password, role: flags.role });
      await audited(command, user.username, `role ${user.role}${generated ? ", generated password" : ""}`);
      console.log(`created user ${user.username} (${user.role})`);
      if (generated) console.log(`password (shown once): ${password}`);
      return;
    }
    case "user list": {
      const users = await listUsers();
      console.log(table(users.map((u) => ({ username: u.username, role: u.role, disabled: u.disabled ? "yes" : "no", created: when(u.createdAt) }))));
      return;
    }
    case "user passwd": {
      const username = positional(positionals, 2, "NAME");
      const { password, generated } = await passwordFrom(flags);
      const user = await setPassword(username, password);
      await audited(command, user.username, generated ? "generated password" : "password set");
      console.log(`password changed for ${user.username}; their sessions were signed out`);
      if (generated) console.log(`password (shown once): ${password}`);
      return;
    }
    case "user role": {
      const username = positional(positionals, 2, "NAME");
      if (!flags.role) throw new UsageError("user role needs --role admin|operator|viewer");
      const user = await setUserRole(username, flags.role);
      await audited(command, user.username, `role ${user.role}`);
      console.log(`${user.username} is now ${user.role}`);
      return;
    }
    case "user disable":
    case "user enable": {
      const user = await setUserDisabled(positional(positionals, 2, "NAME"), verb === "disable");
      await audited(command, user.username, user.disabled ? "disabled" : "enabled");
      console.log(`${user.username} is ${user.disabled ? "disabled; their sessions were signed out" : "enabled"}`);
      return;
    }
    case "token create": {
      if (!flags.role) throw new UsageError("token create needs --role admin|operator|viewer");
      const token = await createApiToken({ role: flags.role, name: flags.name });
      await audited(command, token.id, `${token.name} (${token.role})`);
      console.error("Store this token now; it is not shown again.");
      console.log(`created token ${token.id} "${token.name}" (${token.role})`);
      console.log(token.token);
      return;
    }
    case "token list": {
      const tokens = await listApiTokens();
      console.log(
        table(tokens.map((t) => ({ id: t.id, name: t.name, prefix: `${t.prefix}…`, role: t.role, created: when(t.createdAt), "last used": when(t.lastUsedAt), revoked: when(t.revokedAt) }))),
      );
      return;
    }
    case "token revoke": {
      const token = await revokeApiToken(positional(positionals, 2, "ID"));
      await audited(command, token.id, token.name);
      console.log(`revoked token ${token.id} "${token.name}"`);
      return;
    }
    case "admin ensure": {
      const result = await ensureAdmin();
      if (result.action !== "unchanged") await audited(command, "admin", `${result.action}${"generatedPassword" in result && result.generatedPassword ? ", generated password" : ""}`);
      if (result.action === "unchanged") console.log("an admin already exists; nothing to do");
      else console.log(`${result.action} user admin`);
      if (result.action === "created" && result.generatedPassword) console.log(`password (shown once): ${result.generatedPassword}`);
      return;
    }
    default:
      throw new UsageError(`unknown command: ${command}`);
  }
}

async function main(): Promise<number> {
  try {
    await run(process.argv.slice(2));
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err instanceof TypeError && "code" in err && String(err.code).startsWith("ERR_PARSE_ARGS"))) {
      console.error(`error: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    if (err instanceof AuthError) {
      console.error(`error: ${err.message}`);
      return 1;
    }
    const target = resolveDbTarget();
    const where = target.dialect === "sqlite" ? target.file : `PostgreSQL schema ${target.schema}`;
    console.error(`error (database: ${where}):`, err instanceof Error ? err.message : err);
    return 1;
  } finally {
    await closeDb();
  }
}

process.exitCode = await main();
