import "server-only";
import { randomBytes } from "node:crypto";
import { constants, type Stats } from "node:fs";
import fs, { type FileHandle } from "node:fs/promises";
import path from "node:path";
import { UnsafeConfigPathError, errnoOf, isInside, isInsideOrSame, kindOf, realPathOf, resolveInside } from "./safe";

/*
 * Writes into the config directory, which code in any Synapse container can fill with links:
 * every directory on the way must be a real directory, the target a regular file (or absent),
 * and the bytes go to a freshly created temp file that no planted name can redirect.
 */

const { O_WRONLY, O_CREAT, O_EXCL, O_NOFOLLOW } = constants;

export const TEMP_SUFFIX = ".fleet-tmp";

/** A checked place to write: the file, and the directories that must be created first (outermost first). */
export interface WriteTarget {
  rel: string;
  file: string;
  missingDirs: string[];
  exists: boolean;
}

async function lstatOrNull(p: string): Promise<Stats | null> {
  try {
    return await fs.lstat(p);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return null;
    throw err;
  }
}

/**
 * Checks that `rel` may be written or deleted without following a link: each directory between
 * the config dir and the file is a real directory (missing ones are listed, to be created), the
 * parent's real path is inside the dir, and the file is absent or a regular file. With
 * `linkMayBeRemoved` a link at the name is accepted, for an unlink that removes the link itself.
 */
export async function checkWriteTarget(dir: string, rel: string, opts: { linkMayBeRemoved?: boolean } = {}): Promise<WriteTarget> {
  const root = path.resolve(dir);
  const file = resolveInside(root, rel);
  const missingDirs: string[] = [];
  let current = root;
  for (const part of path.relative(root, path.dirname(file)).split(path.sep).filter(Boolean)) {
    current = path.join(current, part);
    if (missingDirs.length > 0) {
      missingDirs.push(current);
      continue;
    }
    const st = await lstatOrNull(current);
    if (!st) missingDirs.push(current);
    else if (!st.isDirectory()) throw new UnsafeConfigPathError(path.relative(root, current), `is ${kindOf(st)}, not a directory`);
  }
  if (missingDirs.length > 0) return { rel, file, missingDirs, exists: false };
  if (!isInsideOrSame(await fs.realpath(root), await fs.realpath(path.dirname(file)))) {
    throw new UnsafeConfigPathError(rel, "lies outside the config directory");
  }
  const st = await lstatOrNull(file);
  if (st && !st.isFile() && !(opts.linkMayBeRemoved && st.isSymbolicLink())) {
    throw new UnsafeConfigPathError(rel, `is ${kindOf(st)}, not a regular file`);
  }
  return { rel, file, missingDirs, exists: st !== null };
}

/** A temp name beside `file` that nobody can guess in advance: `.<base>.<random hex>.fleet-tmp`. */
export function tempNameFor(file: string): string {
  return path.join(path.dirname(file), `.${path.basename(file)}.${randomBytes(12).toString("hex")}${TEMP_SUFFIX}`);
}

/** Creates a new file for writing; anything already at the name (a file, or a planted link) makes it fail. */
export async function createExclusive(file: string, mode = 0o600): Promise<FileHandle> {
  try {
    return await fs.open(file, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW, mode);
  } catch (err) {
    if (errnoOf(err) === "EEXIST" || errnoOf(err) === "ELOOP") throw new UnsafeConfigPathError(path.basename(file), "already exists");
    throw err;
  }
}

/** Creates the directories a target lacks, one at a time (an existing name, link or not, is refused), owned like the template. */
export async function createDirs(target: WriteTarget, owner: { uid: number; gid: number }, created: string[]): Promise<void> {
  const me = process.getuid?.();
  for (const d of target.missingDirs) {
    try {
      await fs.mkdir(d, { mode: 0o755 });
    } catch (err) {
      if (errnoOf(err) === "EEXIST") throw new UnsafeConfigPathError(path.basename(d), "appeared while it was being created");
      throw err;
    }
    created.push(d);
    if (me === 0 || owner.uid !== me) await fs.lchown(d, owner.uid, owner.gid);
  }
}

export interface Ownership {
  uid: number;
  gid: number;
  mode: number;
}

/**
 * Writes a file the CapRover way: a new temp file beside it, given the owner and permission bits
 * it must end with through its descriptor (never setuid/setgid/sticky), flushed, then renamed over
 * the target, so Synapse never reads half a file and no link is ever followed.
 */
export async function writeAtomically(dir: string, target: WriteTarget, data: Buffer | string, owner: Ownership): Promise<void> {
  const tmp = tempNameFor(target.file);
  const fh = await createExclusive(tmp);
  try {
    // The descriptor's real place, checked before anything of ours is written there.
    if (!isInside(await fs.realpath(dir), await realPathOf(fh, tmp))) throw new UnsafeConfigPathError(target.rel, "lies outside the config directory");
    await fh.writeFile(data);
    const me = process.getuid?.();
    if (me === 0 || owner.uid !== me) await fh.chown(owner.uid, owner.gid); // before chmod: chown may clear mode bits
    await fh.chmod(owner.mode & 0o777);
    await fh.sync();
  } catch (err) {
    await fh.close().catch(() => undefined);
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
  await fh.close();
  try {
    await fs.rename(tmp, target.file); // replaces the name itself: a link swapped in meanwhile is not followed
  } catch (err) {
    await fs.unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/** Deletes a target: unlink never follows a link, so at worst a planted link is what goes. */
export async function removeTarget(target: WriteTarget): Promise<void> {
  try {
    await fs.unlink(target.file);
  } catch (err) {
    if (errnoOf(err) !== "ENOENT") throw err;
  }
}
