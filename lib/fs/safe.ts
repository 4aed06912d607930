import "server-only";
import { constants, type Stats } from "node:fs";
import fs, { type FileHandle } from "node:fs/promises";
import path from "node:path";
import { FleetError } from "@/lib/errors";

/*
 * The config directory is bind-mounted read-write into every Synapse container, so anything in it
 * may be a link planted by code running there. Every read of it goes through here: the last
 * component is opened without following a link, the descriptor (not the name) is checked, and
 * its real path must lie inside the directory.
 */

const { O_RDONLY, O_NOFOLLOW, O_NONBLOCK } = constants;

/**
 * A config-dir path refused because reading or writing it could reach outside the directory: a link
 * or a non-regular file planted there. Answered 400 `unsafe_path`: nothing can be changed safely.
 */
export class UnsafeConfigPathError extends FleetError {
  constructor(
    readonly file: string,
    readonly reason: string,
  ) {
    super("invalid", `${file} ${reason}: refused`, { reason: "unsafe_path" });
    this.name = "UnsafeConfigPathError";
  }
}

/** An absolute path inside the config dir for a relative one; anything escaping it (lexically) is refused. */
export function resolveInside(dir: string, rel: string): string {
  const root = path.resolve(dir);
  const abs = path.resolve(root, rel);
  if (rel.includes("\0") || path.isAbsolute(rel) || !abs.startsWith(root + path.sep)) throw new Error(`${rel} is outside the config directory`);
  return abs;
}

/** Whether `real` lies strictly below `realDir` (both already free of links). */
export function isInside(realDir: string, real: string): boolean {
  const rel = path.relative(realDir, real);
  return rel !== "" && rel !== ".." && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
}

/** `isInside`, or the directory itself. */
export function isInsideOrSame(realDir: string, real: string): boolean {
  return path.resolve(realDir) === path.resolve(real) || isInside(realDir, real);
}

/** The kind of a non-regular file, in words for an error. */
export function kindOf(st: Stats): string {
  if (st.isSymbolicLink()) return "a symbolic link";
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO";
  if (st.isSocket()) return "a socket";
  if (st.isCharacterDevice() || st.isBlockDevice()) return "a device";
  return st.isFile() ? "a regular file" : "of an unknown kind";
}

export function errnoOf(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | null)?.code;
}

/**
 * Where an open descriptor really is. Linux names it in /proc, so nothing can be swapped between
 * the open and this check; elsewhere the name is resolved again (a narrow race, but still checked).
 */
export async function realPathOf(handle: FileHandle, file: string): Promise<string> {
  try {
    return await fs.readlink(`/proc/self/fd/${handle.fd}`);
  } catch {
    return fs.realpath(file);
  }
}

export interface OpenedConfigFile {
  handle: FileHandle;
  stats: Stats;
  realPath: string;
}

/**
 * Opens a file of the config dir for reading: the last component must not be a link, the
 * descriptor must be a regular file, and its real path must lie inside `dir`. Null when the
 * file does not exist. The caller closes the handle.
 */
export async function openConfigFile(dir: string, file: string, display: string = file): Promise<OpenedConfigFile | null> {
  let handle: FileHandle;
  try {
    // O_NONBLOCK: a FIFO planted at the name must not hang the open; regular files ignore it.
    handle = await fs.open(file, O_RDONLY | O_NOFOLLOW | O_NONBLOCK);
  } catch (err) {
    if (errnoOf(err) === "ENOENT") return null;
    if (errnoOf(err) === "ELOOP") throw new UnsafeConfigPathError(display, "is a symbolic link");
    throw err;
  }
  try {
    const stats = await handle.stat();
    if (!stats.isFile()) throw new UnsafeConfigPathError(display, `is ${kindOf(stats)}, not a regular file`);
    const realPath = await realPathOf(handle, file);
    if (!isInside(await fs.realpath(dir), realPath)) throw new UnsafeConfigPathError(display, "lies outside the config directory");
    return { handle, stats, realPath };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** A config file's bytes and the stat of the very descriptor they were read from; null when it does not exist. */
export async function readConfigFile(dir: string, rel: string): Promise<{ data: Buffer; stats: Stats } | null> {
  const opened = await openConfigFile(dir, resolveInside(dir, rel), rel);
  if (!opened) return null;
  try {
    return { data: await opened.handle.readFile(), stats: opened.stats };
  } finally {
    await opened.handle.close();
  }
}
