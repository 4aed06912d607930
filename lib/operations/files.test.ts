import { chmodSync, chownSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { FileChange } from "@/lib/synapse/plan-schema";
import { applyFileChanges, restoreFiles, verifyBefore, type FileBackup } from "./files";
import { snapshotFiles } from "./snapshot";

// Tests run as root here, as the dashboard does: the host file gets an owner and mode of its own,
// so a chown or chmod that reached it would show.
const HOST_UID = 4321;
const HOST_GID = 4322;

let root: string;
let dir: string;
let hostFile: string;
beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), "fleet-files-"));
  dir = path.join(root, "config");
  mkdirSync(path.join(dir, "workers"), { recursive: true });
  writeFileSync(path.join(dir, "homeserver.yaml"), "server_name: x\n");
  chmodSync(path.join(dir, "homeserver.yaml"), 0o640);
  writeFileSync(path.join(dir, "workers", "w1.yaml"), "worker_name: w1\n");
  mkdirSync(path.join(root, "host"));
  hostFile = path.join(root, "host", "shadow");
  writeFileSync(hostFile, "root:SECRET-MARKER\n");
  chownSync(hostFile, HOST_UID, HOST_GID);
  chmodSync(hostFile, 0o600);
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

/** Every entry under the config dir with its kind, mode and bytes: "nothing else was written" compares these. */
function tree(at = dir): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of readdirSync(at, { withFileTypes: true })) {
    const p = path.join(at, e.name);
    const st = lstatSync(p);
    if (e.isDirectory()) Object.assign(out, { [path.relative(dir, p) + "/"]: "dir" }, tree(p));
    else out[path.relative(dir, p)] = e.isSymbolicLink() ? "link" : `${(st.mode & 0o7777).toString(8)} ${st.uid} ${readFileSync(p, "utf8")}`;
  }
  return out;
}

function expectHostUntouched() {
  const st = statSync(hostFile);
  expect(readFileSync(hostFile, "utf8")).toBe("root:SECRET-MARKER\n");
  expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([HOST_UID, HOST_GID, 0o600]);
  expect(readdirSync(path.dirname(hostFile))).toEqual(["shadow"]);
}

async function apply(changes: FileChange[]) {
  const backups: FileBackup[] = [];
  await verifyBefore(dir, changes);
  return { ...(await applyFileChanges(dir, changes, backups)), backups };
}

describe("config writes never follow a link", () => {
  it("refuses a link planted at the target, writing nothing", async () => {
    symlinkSync(hostFile, path.join(dir, "workers", "w2.yaml"));
    const before = tree();
    const change = { path: "workers/w2.yaml", before: null, after: "worker_name: w2\n" };
    await expect(verifyBefore(dir, [change])).rejects.toThrow(/workers\/w2\.yaml is a symbolic link.*refused/);
    // applyFileChanges checks on its own too, for a caller that skipped verifyBefore.
    await expect(applyFileChanges(dir, [change], [])).rejects.toThrow(/nothing was written: workers\/w2\.yaml is a symbolic link/);
    expect(tree()).toEqual(before);
    expectHostUntouched();
  });

  it("never writes through a link planted at a temp name (the old predictable one, or any other)", async () => {
    symlinkSync(hostFile, path.join(dir, "workers", "w1.yaml.fleet-tmp"));
    symlinkSync(hostFile, path.join(dir, "workers", ".w1.yaml.fleet-tmp"));
    await apply([{ path: "workers/w1.yaml", before: "worker_name: w1\n", after: "worker_name: w1\n# changed\n" }]);
    expect(readFileSync(path.join(dir, "workers", "w1.yaml"), "utf8")).toBe("worker_name: w1\n# changed\n");
    expect(lstatSync(path.join(dir, "workers", "w1.yaml")).isFile()).toBe(true);
    expectHostUntouched();
  });

  it("refuses a directory as the target", async () => {
    mkdirSync(path.join(dir, "workers", "w2.yaml"));
    const before = tree();
    await expect(apply([{ path: "workers/w2.yaml", before: null, after: "x\n" }])).rejects.toThrow(/workers\/w2\.yaml is a directory, not a regular file/);
    expect(tree()).toEqual(before);
  });

  it("refuses a workers directory that is a link to a directory outside", async () => {
    rmSync(path.join(dir, "workers"), { recursive: true });
    symlinkSync(path.dirname(hostFile), path.join(dir, "workers"));
    await expect(apply([{ path: "workers/shadow", before: "root:SECRET-MARKER\n", after: "pwned\n" }])).rejects.toThrow(/workers is a symbolic link, not a directory/);
    await expect(apply([{ path: "workers/w2.yaml", before: null, after: "pwned\n" }])).rejects.toThrow(/workers is a symbolic link/);
    expectHostUntouched();
  });

  it("creates a missing workers directory owned like homeserver.yaml", async () => {
    rmSync(path.join(dir, "workers"), { recursive: true });
    chownSync(path.join(dir, "homeserver.yaml"), 991, 992);
    const { createdDirs } = await apply([{ path: "workers/w2.yaml", before: null, after: "worker_name: w2\n" }]);
    expect(createdDirs).toEqual([path.join(dir, "workers")]);
    const st = statSync(path.join(dir, "workers", "w2.yaml"));
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([991, 992, 0o640]);
    expect(statSync(path.join(dir, "workers")).uid).toBe(991);
  });

  it("applies no file of a plan when a later file is refused", async () => {
    symlinkSync(hostFile, path.join(dir, "workers", "w2.yaml"));
    const before = tree();
    const plan = [
      { path: "homeserver.yaml", before: "server_name: x\n", after: "server_name: x\ninstance_map: {}\n" },
      { path: "workers/w2.yaml", before: null, after: "worker_name: w2\n" },
    ];
    await expect(applyFileChanges(dir, plan, [])).rejects.toThrow(/nothing was written/);
    await expect(verifyBefore(dir, plan)).rejects.toThrow(/nothing was written/);
    expect(tree()).toEqual(before);
    expectHostUntouched();
  });

  it("keeps owner and permission bits but never copies setuid, setgid or sticky", async () => {
    const w1 = path.join(dir, "workers", "w1.yaml");
    chownSync(w1, 1500, 1501);
    chmodSync(w1, 0o7755);
    await apply([{ path: "workers/w1.yaml", before: "worker_name: w1\n", after: "worker_name: w1\n# changed\n" }]);
    const st = statSync(w1);
    expect([st.uid, st.gid, st.mode & 0o7777]).toEqual([1500, 1501, 0o755]);
    expect(readFileSync(w1, "utf8")).toBe("worker_name: w1\n# changed\n");
    expect(readdirSync(path.join(dir, "workers"))).toEqual(["w1.yaml"]); // no temp file left behind
  });

  it("deletes a regular file but refuses to delete a link where the file was expected", async () => {
    await apply([{ path: "workers/w1.yaml", before: "worker_name: w1\n", after: null }]);
    expect(readdirSync(path.join(dir, "workers"))).toEqual([]);
    symlinkSync(hostFile, path.join(dir, "workers", "w1.yaml"));
    await expect(apply([{ path: "workers/w1.yaml", before: "root:SECRET-MARKER\n", after: null }])).rejects.toThrow(/symbolic link/);
    expect(lstatSync(path.join(dir, "workers", "w1.yaml")).isSymbolicLink()).toBe(true);
    expectHostUntouched();
  });

  it("restores byte for byte, but not through a link planted after the write", async () => {
    const plan = [
      { path: "homeserver.yaml", before: "server_name: x\n", after: "server_name: y\n" },
      { path: "workers/w2.yaml", before: null, after: "worker_name: w2\n" },
    ];
    const { backups, createdDirs } = await apply(plan);
    await restoreFiles(dir, backups, createdDirs);
    expect(readFileSync(path.join(dir, "homeserver.yaml"), "utf8")).toBe("server_name: x\n");
    expect(statSync(path.join(dir, "homeserver.yaml")).mode & 0o777).toBe(0o640);
    expect(readdirSync(path.join(dir, "workers"))).toEqual(["w1.yaml"]);

    const again = await apply(plan);
    // Synapse swaps both files for links between the write and the undo.
    rmSync(path.join(dir, "homeserver.yaml"));
    symlinkSync(hostFile, path.join(dir, "homeserver.yaml"));
    rmSync(path.join(dir, "workers", "w2.yaml"));
    symlinkSync(hostFile, path.join(dir, "workers", "w2.yaml"));
    await expect(restoreFiles(dir, again.backups, again.createdDirs)).rejects.toThrow(/could not put back homeserver\.yaml: homeserver\.yaml is a symbolic link/);
    // The new file's undo removed the link itself (unlink never follows); homeserver.yaml's link was left, refused.
    expect(readdirSync(path.join(dir, "workers"))).toEqual(["w1.yaml"]);
    expect(lstatSync(path.join(dir, "homeserver.yaml")).isSymbolicLink()).toBe(true);
    expectHostUntouched();
  });
});

describe("snapshots never follow a link", () => {
  it("reads the config files", async () => {
    mkdirSync(path.join(dir, "prometheus"));
    writeFileSync(path.join(dir, "prometheus", "synapse-targets.json"), "[]\n");
    writeFileSync(path.join(dir, "workers", "notes.txt"), "not a worker file\n");
    expect(await snapshotFiles(dir)).toEqual({
      "homeserver.yaml": "server_name: x\n",
      "workers/w1.yaml": "worker_name: w1\n",
      "prometheus/synapse-targets.json": "[]\n",
    });
  });

  it("reports a worker file that is a link to a host file, never its content", async () => {
    symlinkSync(hostFile, path.join(dir, "workers", "x.yaml"));
    const err = await snapshotFiles(dir).then(
      (files) => new Error(`read ${JSON.stringify(files)}`),
      (e: Error) => e,
    );
    expect(err.message).toMatch(/^workers\/x\.yaml is a symbolic link: refused$/);
    expect(err.message).not.toContain("SECRET-MARKER");
  });

  it("reports a workers directory that is a link, and a homeserver.yaml that is one", async () => {
    rmSync(path.join(dir, "workers"), { recursive: true });
    symlinkSync(path.dirname(hostFile), path.join(dir, "workers"));
    await expect(snapshotFiles(dir)).rejects.toThrow(/^workers is a symbolic link, not a directory: refused$/);
    rmSync(path.join(dir, "homeserver.yaml"));
    symlinkSync(hostFile, path.join(dir, "homeserver.yaml"));
    await expect(snapshotFiles(dir)).rejects.toThrow(/^homeserver\.yaml is a symbolic link: refused$/);
  });
});
