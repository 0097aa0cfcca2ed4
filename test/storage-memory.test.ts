// MemoryStorage's crash model (what a crash keeps) and quota.
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { MemoryStorage } from "../src/storage/memory.js";
import { QuotaExceededError, StorageClosedError, InvalidStorageCallError } from "../src/storage/errors.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function text(s: MemoryStorage, name: string): Promise<string> {
  const f = await s.open(name);
  const t = dec.decode(await f.read(0, await f.size()));
  await f.close();
  return t;
}

describe("MemoryStorage crash model", () => {
  test("a crash drops unflushed appends and keeps flushed bytes", async () => {
    const s = new MemoryStorage();
    const f = await s.open("log", { create: true });
    await f.append(enc.encode("durable."));
    await f.flush();
    await f.append(enc.encode("pending"));
    s.crash();
    expect(await text(s, "log")).toBe("durable.");
  });

  test("keep decides how much of the unflushed tail survives", async () => {
    const s = new MemoryStorage();
    const f = await s.open("log", { create: true });
    await f.append(enc.encode("AAAA"));
    await f.flush();
    await f.append(enc.encode("BBBBBB"));
    const seen: [string, number][] = [];
    s.crash((name, pending) => {
      seen.push([name, pending]);
      return 2;
    });
    expect(seen).toEqual([["log", 6]]);
    expect(await text(s, "log")).toBe("AAAABB");
    // what survived is now durable: a second crash keeps it
    s.crash();
    expect(await text(s, "log")).toBe("AAAABB");
  });

  test("keep is clamped to the pending bytes", async () => {
    const s = new MemoryStorage();
    const f = await s.open("log", { create: true });
    await f.append(enc.encode("xyz"));
    s.crash(() => 1000);
    expect(await text(s, "log")).toBe("xyz");
  });

  test("overwriting or truncating flushed bytes is undone by a crash, whatever keep says", async () => {
    const s = new MemoryStorage();
    const f = await s.open("f", { create: true });
    await f.append(enc.encode("0123456789"));
    await f.flush();
    await f.write(2, enc.encode("ab"));
    await f.append(enc.encode("tail"));
    s.crash(() => 1000);
    expect(await text(s, "f")).toBe("0123456789");

    const g = await s.open("f", { write: true });
    await g.truncate(3);
    await g.append(enc.encode("new"));
    s.crash(() => 1000);
    expect(await text(s, "f")).toBe("0123456789");

    const h = await s.open("f", { write: true });
    await h.truncate(3);
    await h.flush();
    s.crash();
    expect(await text(s, "f")).toBe("012");
  });

  test("files created, renamed and deleted stay so; unflushed content does not", async () => {
    const s = new MemoryStorage();
    const a = await s.open("a", { create: true });
    await a.append(enc.encode("never flushed"));
    await a.close();
    const b = await s.open("b.tmp", { create: true });
    await b.append(enc.encode("flushed"));
    await b.flush();
    await b.close();
    await s.rename("b.tmp", "b");
    const c = await s.open("c", { create: true });
    await c.close();
    await s.delete("c");
    s.crash();
    expect(await s.list("")).toEqual(["a", "b"]);
    expect(await text(s, "a")).toBe("");
    expect(await text(s, "b")).toBe("flushed");
  });

  test("a crash kills every handle and releases every lock", async () => {
    const s = new MemoryStorage();
    const f = await s.open("f", { create: true });
    await s.lock("LOCK");
    s.crash();
    await expect(f.read(0, 1)).rejects.toBeInstanceOf(StorageClosedError);
    await expect(f.append(enc.encode("x"))).rejects.toBeInstanceOf(StorageClosedError);
    const again = await s.open("f", { write: true }); // no writer left behind
    await again.close();
    await (await s.lock("LOCK"))();
  });

  test("a file cannot sit below a file or where a directory is", async () => {
    const s = new MemoryStorage();
    await (await s.open("a", { create: true })).close();
    await expect(s.open("a/b", { create: true })).rejects.toBeInstanceOf(InvalidStorageCallError);
    await (await s.open("d/x", { create: true })).close();
    await expect(s.open("d", { create: true })).rejects.toBeInstanceOf(InvalidStorageCallError);
  });
});

describe("MemoryStorage quota", () => {
  test("writes past the quota fail typed; deleting frees room", async () => {
    const s = new MemoryStorage({ quotaBytes: 100 });
    const f = await s.open("a", { create: true });
    await f.append(new Uint8Array(60));
    await expect(f.append(new Uint8Array(41))).rejects.toBeInstanceOf(QuotaExceededError);
    expect(await f.size()).toBe(60);
    await f.write(10, new Uint8Array(50)); // overwriting costs nothing
    await f.append(new Uint8Array(40));
    expect(s.usedBytes).toBe(100);
    await f.close();
    await s.delete("a");
    expect(s.usedBytes).toBe(0);
    const g = await s.open("b", { create: true });
    await g.append(new Uint8Array(100));
    await g.truncate(10);
    expect(s.usedBytes).toBe(10);
    await g.close();
  });
});
