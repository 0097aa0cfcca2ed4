// NodeFileStorage beyond the contract: the pid lock file (stale takeover,
// live holders, own-pid leftovers) and error mapping.
import "./helpers.js";
import { describe, test, expect, beforeEach, afterEach } from "vitest";
import { mkdtemp, rm, readFile, writeFile, mkdir, readdir } from "node:fs/promises";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { NodeFileStorage } from "../src/storage/node.js";
import { DatabaseLockedError, InvalidStorageCallError } from "../src/storage/errors.js";

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  const pid = child.pid!;
  await new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return pid;
}

/** A running process; kill() ends it. */
function livePid(): { pid: number; kill(): Promise<void> } {
  const child = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
  const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return {
    pid: child.pid!,
    async kill() {
      child.kill("SIGKILL");
      await exited;
    },
  };
}

describe("NodeFileStorage lock file", () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "cqlite-lock-"));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test("holds our pid while locked, and is removed on release", async () => {
    const s = await NodeFileStorage.open(dir);
    const release = await s.lock("LOCK");
    expect(await readFile(join(dir, "LOCK"), "utf8")).toBe(`${process.pid}\n`);
    await release();
    expect(await readdir(dir)).toEqual([]);
  });

  test("two storages on one directory in one process exclude each other", async () => {
    const a = await NodeFileStorage.open(dir);
    const b = await NodeFileStorage.open(dir);
    const release = await a.lock("LOCK");
    const err = await b.lock("LOCK").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseLockedError);
    expect(String(err)).toContain(`pid ${process.pid}`);
    await release();
    await (await b.lock("LOCK"))();
  });

  test("concurrent acquires in one process: exactly one wins", async () => {
    const s = await NodeFileStorage.open(dir);
    const results = await Promise.allSettled([s.lock("LOCK"), s.lock("LOCK"), s.lock("LOCK")]);
    expect(results.filter((r) => r.status === "fulfilled")).toHaveLength(1);
    for (const r of results) if (r.status === "rejected") expect(r.reason).toBeInstanceOf(DatabaseLockedError);
    expect(await readFile(join(dir, "LOCK"), "utf8")).toBe(`${process.pid}\n`);
  });

  test("a lock left by a dead process is taken over", async () => {
    const pid = await deadPid();
    await writeFile(join(dir, "LOCK"), `${pid}\n`);
    const s = await NodeFileStorage.open(dir);
    const release = await s.lock("LOCK");
    expect(await readFile(join(dir, "LOCK"), "utf8")).toBe(`${process.pid}\n`);
    expect((await readdir(dir)).sort()).toEqual(["LOCK"]); // no takeover file left behind
    await release();
  });

  test("a lock held by a live process is refused, naming the pid", async () => {
    const other = livePid();
    try {
      await writeFile(join(dir, "LOCK"), `${other.pid}\n`);
      const s = await NodeFileStorage.open(dir);
      const err = await s.lock("LOCK").catch((e: unknown) => e);
      expect(err).toBeInstanceOf(DatabaseLockedError);
      expect(String(err)).toContain(`pid ${other.pid}`);
      expect(await readFile(join(dir, "LOCK"), "utf8")).toBe(`${other.pid}\n`);
    } finally {
      await other.kill();
    }
    // once it is dead, the lock is stale
    const s = await NodeFileStorage.open(dir);
    await (await s.lock("LOCK"))();
  });

  test("our own pid in a lock this process does not hold is an earlier process's", async () => {
    await writeFile(join(dir, "LOCK"), `${process.pid}\n`);
    const s = await NodeFileStorage.open(dir);
    const release = await s.lock("LOCK");
    await expect(s.lock("LOCK")).rejects.toBeInstanceOf(DatabaseLockedError);
    await release();
  });

  test("a lock file without a pid is never taken over", async () => {
    await writeFile(join(dir, "LOCK"), "");
    const s = await NodeFileStorage.open(dir);
    const err = await s.lock("LOCK").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseLockedError);
    expect(String(err)).toContain("without a pid");
  });

  test("a takeover file left by a dead process does not block", async () => {
    const pid = await deadPid();
    await writeFile(join(dir, "LOCK"), `${pid}\n`);
    await writeFile(join(dir, "LOCK.takeover"), `${pid}\n`);
    const s = await NodeFileStorage.open(dir);
    const release = await s.lock("LOCK");
    expect((await readdir(dir)).sort()).toEqual(["LOCK"]);
    await release();
  });

  test("a takeover in progress by a live process is refused", async () => {
    const dead = await deadPid();
    const other = livePid();
    try {
      await writeFile(join(dir, "LOCK"), `${dead}\n`);
      await writeFile(join(dir, "LOCK.takeover"), `${other.pid}\n`);
      const s = await NodeFileStorage.open(dir);
      await expect(s.lock("LOCK")).rejects.toBeInstanceOf(DatabaseLockedError);
    } finally {
      await other.kill();
    }
  });

  test("release leaves a lock file that no longer holds our pid", async () => {
    const s = await NodeFileStorage.open(dir);
    const release = await s.lock("LOCK");
    await writeFile(join(dir, "LOCK"), "4242\n"); // someone took it over
    await release();
    expect(await readFile(join(dir, "LOCK"), "utf8")).toBe("4242\n");
  });

  test("locks in subdirectories create them", async () => {
    const s = await NodeFileStorage.open(dir);
    const release = await s.lock("db/LOCK");
    expect(await readFile(join(dir, "db", "LOCK"), "utf8")).toBe(`${process.pid}\n`);
    await release();
  });
});

describe("NodeFileStorage errors", () => {
  test("a directory is not a file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cqlite-err-"));
    try {
      await mkdir(join(dir, "sub"));
      const s = await NodeFileStorage.open(dir);
      await expect(s.open("sub")).rejects.toBeInstanceOf(InvalidStorageCallError);
      await expect(s.open("sub", { create: true })).rejects.toBeInstanceOf(InvalidStorageCallError);
      expect(await s.exists("sub")).toBe(false);
      await writeFile(join(dir, "file"), "x");
      await expect(s.open("file/below", { create: true })).rejects.toBeInstanceOf(InvalidStorageCallError);
      await s.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test("the root is created with its parents", async () => {
    const dir = await mkdtemp(join(tmpdir(), "cqlite-root-"));
    try {
      const s = await NodeFileStorage.open(join(dir, "a", "b"));
      const f = await s.open("x", { create: true });
      await f.append(new Uint8Array([1, 2, 3]));
      await f.flush();
      await f.close();
      expect([...(await readFile(join(dir, "a", "b", "x")))]).toEqual([1, 2, 3]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
