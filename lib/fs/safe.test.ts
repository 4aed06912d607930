import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UnsafeConfigPathError, isInside, openConfigFile, readConfigFile, resolveInside } from "./safe";
import { checkWriteTarget, createExclusive, tempNameFor } from "./safe-write";

let root: string;
let dir: string;
let host: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "fleet-safe-"));
  dir = path.join(root, "config");
  host = path.join(root, "host");
  mkdirSync(path.join(dir, "workers"), { recursive: true });
  mkdirSync(host);
  writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: x\n");
  writeFileSync(path.join(host, "shadow"), "root:SECRET-MARKER\n");
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe("reading the config dir", () => {
  it("reads a regular file inside the dir with the stat of its descriptor", async () => {
    const read = await readConfigFile(dir, "homeserver.yaml");
    expect(read?.data.toString()).toBe("server_name: x\n");
    expect(read?.stats.isFile()).toBe(true);
    expect(await readConfigFile(dir, "workers/none.yaml")).toBeNull();
  });

  it("refuses a link as the file, naming it, and never returns the host file", async () => {
    symlinkSync(path.join(host, "shadow"), path.join(dir, "workers", "x.yaml"));
    await expect(readConfigFile(dir, "workers/x.yaml")).rejects.toThrow(/workers\/x\.yaml is a symbolic link: refused/);
    // Even a link to a file inside the dir: the last component is never followed.
    symlinkSync(path.join(dir, "homeserver.yaml"), path.join(dir, "workers", "inside.yaml"));
    await expect(readConfigFile(dir, "workers/inside.yaml")).rejects.toBeInstanceOf(UnsafeConfigPathError);
  });

  it("refuses a file whose real path leaves the dir through a linked directory", async () => {
    symlinkSync(host, path.join(dir, "elsewhere"));
    await expect(readConfigFile(dir, "elsewhere/shadow")).rejects.toThrow(/elsewhere\/shadow lies outside the config directory/);
  });

  it("accepts a file reached through a linked directory that stays inside", async () => {
    mkdirSync(path.join(dir, "real"));
    writeFileSync(path.join(dir, "real", "w.yaml"), "worker_name: w\n");
    symlinkSync(path.join(dir, "real"), path.join(dir, "alias"));
    expect((await readConfigFile(dir, "alias/w.yaml"))?.data.toString()).toBe("worker_name: w\n");
  });

  it("refuses a directory and a FIFO, without hanging on the FIFO", async () => {
    mkdirSync(path.join(dir, "workers", "d.yaml"));
    execFileSync("mkfifo", [path.join(dir, "workers", "f.yaml")]);
    await expect(readConfigFile(dir, "workers/d.yaml")).rejects.toThrow(/is a directory, not a regular file/);
    await expect(readConfigFile(dir, "workers/f.yaml")).rejects.toThrow(/is a FIFO, not a regular file/);
  });

  it("refuses an absolute path given for a file outside the dir", async () => {
    await expect(openConfigFile(dir, path.join(host, "shadow"), "shadow")).rejects.toThrow(/shadow lies outside the config directory/);
  });

  it("keeps relative paths inside the dir, lexically", () => {
    expect(resolveInside(dir, "workers/a.yaml")).toBe(path.join(dir, "workers", "a.yaml"));
    for (const bad of ["../x", "/etc/passwd", "workers/../../x", ".", "a\0b"]) expect(() => resolveInside(dir, bad)).toThrow(/outside the config directory/);
    expect(isInside("/a/b", "/a/b/..c")).toBe(true);
    expect(isInside("/a/b", "/a/b")).toBe(false);
    expect(isInside("/a/b", "/a/bc")).toBe(false);
  });
});

describe("writing the config dir", () => {
  it("refuses to create a temp file over a planted link, even one whose name was guessed", async () => {
    const guessed = tempNameFor(path.join(dir, "workers", "w.yaml"));
    symlinkSync(path.join(host, "shadow"), guessed);
    await expect(createExclusive(guessed)).rejects.toThrow(/already exists: refused/);
    // A dangling link too: O_CREAT would otherwise create the file it points to.
    const dangling = tempNameFor(path.join(dir, "workers", "v.yaml"));
    symlinkSync(path.join(host, "new-file"), dangling);
    await expect(createExclusive(dangling)).rejects.toBeInstanceOf(UnsafeConfigPathError);
    expect(readdirSync(host).sort()).toEqual(["shadow"]);
    expect(readFileSync(path.join(host, "shadow"), "utf8")).toBe("root:SECRET-MARKER\n");
  });

  it("gives temp files unguessable names beside their target", () => {
    const a = tempNameFor(path.join(dir, "homeserver.yaml"));
    const b = tempNameFor(path.join(dir, "homeserver.yaml"));
    expect(a).not.toBe(b);
    expect(path.basename(a)).toMatch(/^\.homeserver\.yaml\.[0-9a-f]{24}\.fleet-tmp$/);
    expect(path.dirname(a)).toBe(dir);
  });

  it("checks the target and every directory on the way", async () => {
    expect(await checkWriteTarget(dir, "workers/new.yaml")).toMatchObject({ exists: false, missingDirs: [] });
    expect(await checkWriteTarget(dir, "homeserver.yaml")).toMatchObject({ exists: true, missingDirs: [] });
    expect((await checkWriteTarget(dir, "prometheus/t/x.json")).missingDirs).toEqual([path.join(dir, "prometheus"), path.join(dir, "prometheus", "t")]);
    symlinkSync(path.join(host, "shadow"), path.join(dir, "workers", "link.yaml"));
    await expect(checkWriteTarget(dir, "workers/link.yaml")).rejects.toThrow(/workers\/link\.yaml is a symbolic link, not a regular file: refused/);
    expect(await checkWriteTarget(dir, "workers/link.yaml", { linkMayBeRemoved: true })).toMatchObject({ exists: true });
    mkdirSync(path.join(dir, "workers", "dir.yaml"));
    await expect(checkWriteTarget(dir, "workers/dir.yaml")).rejects.toThrow(/is a directory, not a regular file/);
    symlinkSync(host, path.join(dir, "prometheus"));
    await expect(checkWriteTarget(dir, "prometheus/x.json")).rejects.toThrow(/^prometheus is a symbolic link, not a directory: refused/);
    await expect(checkWriteTarget(dir, "homeserver.yaml/x")).rejects.toThrow(/^homeserver\.yaml is a regular file, not a directory: refused$/);
  });
});
