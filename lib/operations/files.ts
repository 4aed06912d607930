import "server-only";
import fs from "node:fs/promises";
import path from "node:path";
import type { FileChange } from "@/lib/synapse/plan-schema";

/** What a file was before the executor touched it: its bytes (null: it did not exist) and ownership. */
export interface FileBackup {
  path: string;
  previous: Buffer | null;
  owner: Ownership;
}

interface Ownership {
  uid: number;
  gid: number;
  mode: number;
}

export const TEMP_SUFFIX = ".fleet-tmp";

/** An absolute path inside the config dir for a plan's relative path; anything escaping it is refused. */
export function resolveInside(dir: string, rel: string): string {
  const abs = path.resolve(dir, rel);
  if (path.isAbsolute(rel) || !abs.startsWith(path.resolve(dir) + path.sep)) throw new Error(`${rel} is outside the config directory`);
  return abs;
}

async function readOrNull(file: string): Promise<Buffer | null> {
  try {
    return await fs.readFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

async function ownershipOf(file: string): Promise<Ownership | null> {
  try {
    const st = await fs.stat(file);
    return { uid: st.uid, gid: st.gid, mode: st.mode & 0o7777 };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}

/**
 * Writes a file the CapRover way: a temp file beside it with the owner and mode it must end
 * with, flushed, then renamed over the old one, so Synapse never reads half a file.
 */
export async function writeAtomically(file: string, data: Buffer | string, owner: Ownership): Promise<void> {
  const tmp = file + TEMP_SUFFIX;
  const fh = await fs.open(tmp, "w", owner.mode);
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await fs.chmod(tmp, owner.mode); // open() is subject to the umask
    const me = process.getuid?.();
    if (me === 0 || owner.uid !== me) await fs.chown(tmp, owner.uid, owner.gid);
    await fs.rename(tmp, file);
  } catch (err) {
    await fs.rm(tmp, { force: true });
    throw err;
  }
}

/** Refuses to apply when any file is not what the plan was computed from. */
export async function verifyBefore(dir: string, changes: FileChange[]): Promise<void> {
  const stale: string[] = [];
  for (const c of changes) {
    const now = await readOrNull(resolveInside(dir, c.path));
    const matches = c.before === null ? now === null : now !== null && now.toString("utf8") === c.before;
    if (!matches) stale.push(c.path);
  }
  if (stale.length) throw new Error(`${stale.join(", ")} changed on disk since the plan was made; plan again`);
}

/**
 * Applies a plan's file changes, one atomic swap per file. Every file touched is pushed to
 * `backups` before it changes, so a failure halfway can still be undone.
 */
export async function applyFileChanges(dir: string, changes: FileChange[], backups: FileBackup[]): Promise<{ createdDirs: string[] }> {
  const template = await ownershipOf(path.join(dir, "homeserver.yaml"));
  if (!template) throw new Error("homeserver.yaml is missing from the config directory");
  const createdDirs: string[] = [];
  for (const c of changes) {
    const file = resolveInside(dir, c.path);
    const previous = await readOrNull(file);
    const owner = (await ownershipOf(file)) ?? template;
    backups.push({ path: c.path, previous, owner });
    if (c.after === null) {
      await fs.rm(file, { force: true });
      continue;
    }
    const parent = path.dirname(file);
    if (!(await ownershipOf(parent))) {
      await fs.mkdir(parent, { recursive: true, mode: 0o755 });
      createdDirs.push(parent);
      const me = process.getuid?.();
      if (me === 0 || template.uid !== me) await fs.chown(parent, template.uid, template.gid);
    }
    await writeAtomically(file, c.after, owner);
  }
  return { createdDirs };
}

/** Puts every backed-up file back byte for byte (deleting the ones that did not exist), last change first. */
export async function restoreFiles(dir: string, backups: FileBackup[], createdDirs: string[]): Promise<void> {
  const problems: string[] = [];
  for (const b of [...backups].reverse()) {
    const file = resolveInside(dir, b.path);
    try {
      if (b.previous === null) await fs.rm(file, { force: true });
      else await writeAtomically(file, b.previous, b.owner);
    } catch (err) {
      problems.push(`${b.path}: ${(err as Error).message}`);
    }
  }
  for (const d of [...createdDirs].reverse()) await fs.rmdir(d).catch(() => undefined); // only if empty again
  if (problems.length) throw new Error(`could not put back ${problems.join("; ")}`);
}
