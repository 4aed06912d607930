import "server-only";
import fs from "node:fs/promises";
import { readConfigFile, resolveInside } from "@/lib/fs/safe";
import { checkWriteTarget, createDirs, removeTarget, writeAtomically, type Ownership } from "@/lib/fs/safe-write";
import type { FileChange } from "@/lib/synapse/plan-schema";

export { resolveInside };
export { TEMP_SUFFIX } from "@/lib/fs/safe-write";

/** What a file was before the executor touched it: its bytes (null: it did not exist) and ownership. */
export interface FileBackup {
  path: string;
  previous: Buffer | null;
  owner: Ownership;
}

/** A file's bytes and owner, read without following a link; null when it does not exist. */
async function readWithOwner(dir: string, rel: string): Promise<{ data: Buffer; owner: Ownership } | null> {
  const read = await readConfigFile(dir, rel);
  if (!read) return null;
  // Only permission bits carry over: setuid/setgid/sticky on a planted file must never be copied.
  return { data: read.data, owner: { uid: read.stats.uid, gid: read.stats.gid, mode: read.stats.mode & 0o777 } };
}

/**
 * Checks every file of a plan before the first one is written: each target is reachable without a
 * link and is a regular file or absent, and its current version can be read the same way. A
 * refusal names every offending file, and nothing has been touched. Answers the current bytes.
 */
async function checkAll(dir: string, changes: FileChange[]): Promise<Map<string, Buffer | null>> {
  const current = new Map<string, Buffer | null>();
  const refused: string[] = [];
  for (const c of changes) {
    try {
      await checkWriteTarget(dir, c.path);
      current.set(c.path, (await readWithOwner(dir, c.path))?.data ?? null);
    } catch (err) {
      refused.push((err as Error).message);
    }
  }
  if (refused.length) throw new Error(`nothing was written: ${refused.join("; ")}`);
  return current;
}

/** Refuses to apply when any file is not safe to write or is not what the plan was computed from. */
export async function verifyBefore(dir: string, changes: FileChange[]): Promise<void> {
  const current = await checkAll(dir, changes);
  const stale = changes.filter((c) => {
    const now = current.get(c.path) ?? null;
    return c.before === null ? now !== null : now === null || now.toString("utf8") !== c.before;
  });
  if (stale.length) throw new Error(`${stale.map((c) => c.path).join(", ")} changed on disk since the plan was made; plan again`);
}

/**
 * Applies a plan's file changes, one atomic swap per file, after checking all of them. Every file
 * touched is pushed to `backups` before it changes, so a failure halfway can still be undone.
 */
export async function applyFileChanges(dir: string, changes: FileChange[], backups: FileBackup[]): Promise<{ createdDirs: string[] }> {
  const template = (await readWithOwner(dir, "homeserver.yaml"))?.owner;
  if (!template) throw new Error("homeserver.yaml is missing from the config directory");
  await checkAll(dir, changes);
  const createdDirs: string[] = [];
  for (const c of changes) {
    // Checked again right before the write: the directory is shared with Synapse, which may have moved things since.
    const target = await checkWriteTarget(dir, c.path);
    const current = await readWithOwner(dir, c.path);
    backups.push({ path: c.path, previous: current?.data ?? null, owner: current?.owner ?? template });
    if (c.after === null) {
      await removeTarget(target);
      continue;
    }
    await createDirs(target, template, createdDirs);
    await writeAtomically(dir, target, c.after, current?.owner ?? template);
  }
  return { createdDirs };
}

/** Puts every backed-up file back byte for byte (deleting the ones that did not exist), last change first. */
export async function restoreFiles(dir: string, backups: FileBackup[], createdDirs: string[]): Promise<void> {
  const problems: string[] = [];
  const recreated: string[] = []; // a directory removed meanwhile comes back with the file it holds
  for (const b of [...backups].reverse()) {
    try {
      if (b.previous === null) await removeTarget(await checkWriteTarget(dir, b.path, { linkMayBeRemoved: true }));
      else {
        const target = await checkWriteTarget(dir, b.path);
        await createDirs(target, b.owner, recreated);
        await writeAtomically(dir, target, b.previous, b.owner);
      }
    } catch (err) {
      problems.push(`${b.path}: ${(err as Error).message}`);
    }
  }
  // Only if empty again; rmdir never follows a link.
  for (const d of [...createdDirs].reverse()) await fs.rmdir(d).catch(() => undefined);
  if (problems.length) throw new Error(`could not put back ${problems.join("; ")}`);
}
