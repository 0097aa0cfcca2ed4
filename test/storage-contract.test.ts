// The Storage contract (src/storage/storage.ts), run against every backend
// Node can run, and against OpfsStorage and DenoFileStorage on models of the
// browser's and Deno's APIs: the engine must not be able to tell them apart.
import "./helpers.js";
import { describe, test, expect, beforeEach, afterEach } from "vitest";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Storage } from "../src/storage/storage.js";
import { MAX_IO_BYTES } from "../src/storage/storage.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import { OpfsStorage } from "../src/storage/opfs.js";
import { ModelDir, ModelLocks } from "../src/storage/opfs-model.js";
import { DenoFileStorage } from "../src/storage/deno.js";
import { denoModel } from "../src/storage/deno-model.js";
import {
  DatabaseLockedError, FileBusyError, FileNotFoundError, InvalidStorageCallError, StorageClosedError,
} from "../src/storage/errors.js";

const enc = new TextEncoder();
const dec = new TextDecoder();
const b = (s: string) => enc.encode(s);

async function readAll(s: Storage, name: string): Promise<string> {
  const f = await s.open(name);
  try {
    return dec.decode(await f.read(0, await f.size()));
  } finally {
    await f.close();
  }
}

async function put(s: Storage, name: string, text: string): Promise<void> {
  const f = await s.open(name, { create: true, truncate: true });
  await f.append(b(text));
  await f.flush();
  await f.close();
}

interface Backend {
  name: string;
  make(): Promise<{ storage: Storage; cleanup(): Promise<void> }>;
}

const backends: Backend[] = [
  {
    name: "MemoryStorage",
    async make() {
      return { storage: new MemoryStorage(), cleanup: async () => undefined };
    },
  },
  {
    name: "NodeFileStorage",
    async make() {
      const dir = await mkdtemp(join(tmpdir(), "cqlite-storage-"));
      const storage = await NodeFileStorage.open(dir);
      return {
        storage,
        cleanup: async () => {
          await storage.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "DenoFileStorage (on the Deno model)",
    async make() {
      const dir = await mkdtemp(join(tmpdir(), "cqlite-deno-"));
      const g = globalThis as { Deno?: unknown };
      g.Deno = denoModel();
      let storage: Storage;
      try {
        storage = await DenoFileStorage.open(dir);
      } finally {
        delete g.Deno;
      }
      return {
        storage,
        cleanup: async () => {
          await storage.close();
          await rm(dir, { recursive: true, force: true });
        },
      };
    },
  },
  {
    name: "OpfsStorage (on the OPFS model)",
    async make() {
      const storage = await OpfsStorage.open({ root: new ModelDir(), locks: new ModelLocks(), path: ["db"] });
      return { storage, cleanup: () => storage.close() };
    },
  },
];

describe.each(backends)("Storage contract: $name", (backend) => {
  let s: Storage;
  let cleanup: () => Promise<void>;
  beforeEach(async () => {
    ({ storage: s, cleanup } = await backend.make());
  });
  afterEach(async () => {
    await cleanup();
  });

  test("a missing file: open without create fails, exists is false", async () => {
    expect(await s.exists("nope")).toBe(false);
    await expect(s.open("nope")).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(s.open("nope", { write: true })).rejects.toBeInstanceOf(FileNotFoundError);
    await expect(s.open("nope", { truncate: true })).rejects.toBeInstanceOf(FileNotFoundError);
    expect(await s.exists("nope")).toBe(false);
  });

  test("append, size, read at offsets, short read only at the end", async () => {
    const f = await s.open("a.db", { create: true });
    expect(f.writable).toBe(true);
    expect(await f.size()).toBe(0);
    expect(await f.read(0, 10)).toEqual(new Uint8Array(0));
    await f.append(b("hello "));
    await f.append(b("world"));
    expect(await f.size()).toBe(11);
    expect(dec.decode(await f.read(0, 11))).toBe("hello world");
    expect(dec.decode(await f.read(6, 5))).toBe("world");
    expect(dec.decode(await f.read(6, 100))).toBe("world");
    expect((await f.read(11, 5)).length).toBe(0);
    expect((await f.read(50, 5)).length).toBe(0);
    expect((await f.read(3, 0)).length).toBe(0);
    await f.close();
    expect(await s.exists("a.db")).toBe(true);
    expect(await readAll(s, "a.db")).toBe("hello world");
  });

  test("readInto fills the caller's buffer (a view inside a larger one), short only at the end", async () => {
    const f = await s.open("ri.db", { create: true });
    await f.append(b("hello world"));
    const big = new Uint8Array(32).fill(0xee);
    expect(await f.readInto!(6, big.subarray(4, 9))).toBe(5);
    expect(dec.decode(big.subarray(4, 9))).toBe("world");
    expect(big[3]).toBe(0xee);
    expect(big[9]).toBe(0xee);
    expect(await f.readInto!(8, big.subarray(0, 10))).toBe(3);
    expect(dec.decode(big.subarray(0, 3))).toBe("rld");
    expect(await f.readInto!(11, big.subarray(0, 4))).toBe(0);
    expect(await f.readInto!(3, big.subarray(0, 0))).toBe(0);
    await f.close();
    await expect(f.readInto!(0, big)).rejects.toBeInstanceOf(StorageClosedError);
  });

  test("append and write are done with the caller's bytes once they resolve: filling them again changes nothing stored", async () => {
    const f = await s.open("reuse.db", { create: true });
    const buf = b("first-");
    await f.append(buf);
    buf.set(b("XXXXXX"));
    await f.append(b("second"));
    const at = b("AB");
    await f.write(0, at);
    at.set(b("ZZ"));
    // before and after the durability barrier
    expect(dec.decode(await f.read(0, 100))).toBe("ABrst-second");
    await f.flush();
    buf.fill(0x21);
    expect(dec.decode(await f.read(0, 100))).toBe("ABrst-second");
    await f.close();
  });

  test("write at an offset overwrites, at the end extends, past the end is refused", async () => {
    const f = await s.open("w.db", { create: true });
    await f.write(0, b("abcdef"));
    await f.write(2, b("XY"));
    await f.write(6, b("gh"));
    await f.write(7, b("HI"));
    expect(dec.decode(await f.read(0, 100))).toBe("abXYefgHI");
    await expect(f.write(10, b("z"))).rejects.toBeInstanceOf(InvalidStorageCallError);
    expect(await f.size()).toBe(9);
    await f.close();
  });

  test("truncate shortens and never lengthens; open with truncate empties", async () => {
    const f = await s.open("t.db", { create: true });
    await f.append(b("0123456789"));
    await f.truncate(4);
    expect(await f.size()).toBe(4);
    await f.append(b("ab"));
    expect(dec.decode(await f.read(0, 100))).toBe("0123ab");
    await expect(f.truncate(7)).rejects.toBeInstanceOf(InvalidStorageCallError);
    await f.truncate(6); // same size: nothing to do
    await f.flush();
    await f.close();
    const g = await s.open("t.db", { create: true, truncate: true });
    expect(await g.size()).toBe(0);
    await g.close();
    expect(await readAll(s, "t.db")).toBe("");
  });

  test("open with create keeps an existing file's bytes", async () => {
    await put(s, "keep.db", "kept");
    const f = await s.open("keep.db", { create: true });
    expect(await f.size()).toBe(4);
    await f.append(b("+more"));
    await f.close();
    expect(await readAll(s, "keep.db")).toBe("kept+more");
  });

  test("read-only handles refuse writes and see the writer's bytes at once", async () => {
    const w = await s.open("r.db", { create: true });
    const r = await s.open("r.db");
    expect(r.writable).toBe(false);
    await w.append(b("abc"));
    expect(await r.size()).toBe(3);
    expect(dec.decode(await r.read(0, 3))).toBe("abc");
    await expect(r.append(b("x"))).rejects.toBeInstanceOf(InvalidStorageCallError);
    await expect(r.write(0, b("x"))).rejects.toBeInstanceOf(InvalidStorageCallError);
    await expect(r.truncate(0)).rejects.toBeInstanceOf(InvalidStorageCallError);
    await r.flush(); // allowed, nothing to do
    const r2 = await s.open("r.db");
    await r2.close();
    await r.close();
    await w.close();
  });

  test("one writable handle per file", async () => {
    const w = await s.open("one.db", { create: true });
    await expect(s.open("one.db", { write: true })).rejects.toBeInstanceOf(FileBusyError);
    await expect(s.open("one.db", { create: true })).rejects.toBeInstanceOf(FileBusyError);
    await w.close();
    const w2 = await s.open("one.db", { write: true });
    await w2.close();
  });

  test("rename moves, replaces the target, and refuses open files", async () => {
    await put(s, "x.tmp", "new");
    await put(s, "x", "old");
    await s.rename("x.tmp", "x");
    expect(await s.exists("x.tmp")).toBe(false);
    expect(await readAll(s, "x")).toBe("new");
    await expect(s.rename("missing", "y")).rejects.toBeInstanceOf(FileNotFoundError);
    await s.rename("x", "x"); // to itself: nothing
    expect(await readAll(s, "x")).toBe("new");

    const open = await s.open("x");
    await expect(s.rename("x", "z")).rejects.toBeInstanceOf(FileBusyError);
    await put(s, "src", "s");
    await expect(s.rename("src", "x")).rejects.toBeInstanceOf(FileBusyError);
    await open.close();
    await s.rename("src", "x");
    expect(await readAll(s, "x")).toBe("s");
  });

  test("rename into another directory creates it", async () => {
    await put(s, "flat", "f");
    await s.rename("flat", "d1/d2/moved");
    expect(await s.exists("flat")).toBe(false);
    expect(await readAll(s, "d1/d2/moved")).toBe("f");
  });

  test("delete removes, a missing file is fine, an open file is refused", async () => {
    await put(s, "d", "x");
    await s.delete("d");
    expect(await s.exists("d")).toBe(false);
    await s.delete("d");
    await s.delete("never-was");
    await put(s, "e", "x");
    const f = await s.open("e");
    await expect(s.delete("e")).rejects.toBeInstanceOf(FileBusyError);
    await f.close();
    await s.delete("e");
    expect(await s.list("")).toEqual([]);
  });

  test("list: files directly in the prefix's directory, by name prefix, sorted", async () => {
    for (const n of ["wal-0002.log", "wal-0001.log", "walnut", "MANIFEST", "sstables/nb-1-big-Data.db", "sstables/nb-1-big-Index.db", "sstables/deep/x"])
      await put(s, n, n);
    expect(await s.list("wal-")).toEqual(["wal-0001.log", "wal-0002.log"]);
    expect(await s.list("wal")).toEqual(["wal-0001.log", "wal-0002.log", "walnut"]);
    expect(await s.list("")).toEqual(["MANIFEST", "wal-0001.log", "wal-0002.log", "walnut"]);
    expect(await s.list("sstables/")).toEqual(["sstables/nb-1-big-Data.db", "sstables/nb-1-big-Index.db"]);
    expect(await s.list("sstables/nb-1-big-I")).toEqual(["sstables/nb-1-big-Index.db"]);
    expect(await s.list("sstables/deep/")).toEqual(["sstables/deep/x"]);
    expect(await s.list("nothing/here/")).toEqual([]);
    expect(await s.list("zzz")).toEqual([]);
    expect(await s.exists("sstables")).toBe(false); // a directory is not a file
    expect(await readAll(s, "sstables/deep/x")).toBe("sstables/deep/x");
  });

  test("names that break the contract are refused", async () => {
    for (const bad of ["", "/abs", "a//b", "..", "a/../b", ".", "a/", "x\\y", "nul\0", "x".repeat(300)]) {
      await expect(s.open(bad, { create: true }), JSON.stringify(bad)).rejects.toBeInstanceOf(InvalidStorageCallError);
      await expect(s.exists(bad)).rejects.toBeInstanceOf(InvalidStorageCallError);
    }
    await expect(s.lock("../escape")).rejects.toBeInstanceOf(InvalidStorageCallError);
  });

  test("bad offsets and oversized reads are refused", async () => {
    const f = await s.open("o.db", { create: true });
    await expect(f.read(-1, 1)).rejects.toBeInstanceOf(InvalidStorageCallError);
    await expect(f.read(0.5, 1)).rejects.toBeInstanceOf(InvalidStorageCallError);
    await expect(f.read(0, MAX_IO_BYTES + 1)).rejects.toBeInstanceOf(InvalidStorageCallError);
    await expect(f.write(-2, b("x"))).rejects.toBeInstanceOf(InvalidStorageCallError);
    await f.close();
  });

  test("reads return the caller's own bytes", async () => {
    await put(s, "iso", "abc");
    const f = await s.open("iso");
    const got = await f.read(0, 3);
    got.fill(0);
    expect(dec.decode(await f.read(0, 3))).toBe("abc");
    await f.close();
  });

  test("concurrent appends on one handle all land, in call order", async () => {
    const f = await s.open("c.db", { create: true });
    const parts = Array.from({ length: 200 }, (_, i) => `<${i}>`);
    await Promise.all(parts.map((p) => f.append(b(p))));
    expect(dec.decode(await f.read(0, await f.size()))).toBe(parts.join(""));
    await f.close();
  });

  test("a closed handle refuses everything; close is idempotent", async () => {
    const f = await s.open("cl.db", { create: true });
    await f.close();
    await f.close();
    await expect(f.read(0, 1)).rejects.toBeInstanceOf(StorageClosedError);
    await expect(f.append(b("x"))).rejects.toBeInstanceOf(StorageClosedError);
    await expect(f.size()).rejects.toBeInstanceOf(StorageClosedError);
    await expect(f.flush()).rejects.toBeInstanceOf(StorageClosedError);
  });

  test("lock is exclusive until released; release is idempotent", async () => {
    const release = await s.lock("LOCK");
    await expect(s.lock("LOCK")).rejects.toBeInstanceOf(DatabaseLockedError);
    const other = await s.lock("OTHER");
    await release();
    await release();
    const again = await s.lock("LOCK");
    await again();
    await other();
  });

  test("close releases every handle and lock, then refuses calls", async () => {
    const f = await s.open("h.db", { create: true });
    await s.lock("LOCK");
    await s.close();
    await expect(f.read(0, 1)).rejects.toBeInstanceOf(StorageClosedError);
    await expect(s.open("h.db")).rejects.toBeInstanceOf(StorageClosedError);
    await s.close();
  });

  test("a file of 3 MiB written in pieces reads back exactly", async () => {
    const f = await s.open("big.db", { create: true });
    const piece = new Uint8Array(64 * 1024);
    for (let i = 0; i < 48; i++) {
      piece.fill(i);
      await f.append(piece);
    }
    await f.flush();
    expect(await f.size()).toBe(48 * 64 * 1024);
    const all = await f.read(0, 48 * 64 * 1024);
    for (let i = 0; i < 48; i++) expect(all[i * 65536 + 100]).toBe(i);
    await f.close();
  });
});
