// FaultyStorage: operation counting and the three faults.
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage, InjectedFaultError, SimulatedCrashError, StorageOp } from "../src/storage/faulty.js";

const enc = new TextEncoder();
const dec = new TextDecoder();

async function contents(s: MemoryStorage, name: string): Promise<string> {
  const f = await s.open(name);
  const t = dec.decode(await f.read(0, await f.size()));
  await f.close();
  return t;
}

/** open, append, flush, append, close: five operations. */
async function workload(s: FaultyStorage): Promise<void> {
  const f = await s.open("f", { create: true });
  await f.append(enc.encode("first."));
  await f.flush();
  await f.append(enc.encode("second"));
  await f.close();
}

describe("FaultyStorage", () => {
  test("counts every operation, by kind, in order", async () => {
    const seen: [StorageOp, number][] = [];
    const s = new FaultyStorage(new MemoryStorage(), { onOp: (op, i) => void seen.push([op, i]) });
    await workload(s);
    expect(seen).toEqual([["open", 0], ["append", 1], ["flush", 2], ["append", 3], ["close", 4]]);
    expect(s.ops).toBe(5);
    expect(s.count("append")).toBe(2);
    expect(s.count("flush")).toBe(1);
  });

  test("fail: the hit operation throws without running; later ones run", async () => {
    const mem = new MemoryStorage();
    const s = new FaultyStorage(mem, { fault: { kind: "fail", at: 3 } });
    const f = await s.open("f", { create: true });
    await f.append(enc.encode("first."));
    await f.flush();
    await expect(f.append(enc.encode("second"))).rejects.toBeInstanceOf(InjectedFaultError);
    await f.append(enc.encode("third"));
    await f.close();
    expect(await contents(mem, "f")).toBe("first.third");
  });

  test("fail never hits a close or an unlock: it moves to the next operation", async () => {
    const mem = new MemoryStorage();
    const s = new FaultyStorage(mem, { fault: { kind: "fail", at: 1 } });
    const f = await s.open("f", { create: true });
    await f.close(); // operation 1: skipped by the fault
    await expect(s.exists("f")).rejects.toBeInstanceOf(InjectedFaultError);
    expect(await s.exists("f")).toBe(true);
  });

  test("short-write stores part of the bytes, then throws", async () => {
    const mem = new MemoryStorage();
    const s = new FaultyStorage(mem, { fault: { kind: "short-write", at: 3 } });
    const f = await s.open("f", { create: true });
    await f.append(enc.encode("first."));
    await f.flush();
    await expect(f.append(enc.encode("second"))).rejects.toBeInstanceOf(InjectedFaultError);
    await f.close();
    expect(await contents(mem, "f")).toBe("first.sec");
  });

  test("crash: that operation and all later ones fail, onCrash runs once, unflushed bytes are gone", async () => {
    const mem = new MemoryStorage();
    let crashes = 0;
    const s = new FaultyStorage(mem, {
      fault: { kind: "crash", at: 4 },
      onCrash: () => {
        crashes++;
        mem.crash();
      },
    });
    const f = await s.open("f", { create: true });
    await f.append(enc.encode("first."));
    await f.flush();
    await f.append(enc.encode("second"));
    await expect(f.close()).rejects.toBeInstanceOf(SimulatedCrashError);
    expect(s.crashed).toBe(true);
    await expect(s.open("f")).rejects.toBeInstanceOf(SimulatedCrashError);
    await expect(f.append(enc.encode("x"))).rejects.toBeInstanceOf(SimulatedCrashError);
    expect(crashes).toBe(1);
    expect(await contents(mem, "f")).toBe("first.");
  });

  test("a crash in a write may store part of it first (a torn write)", async () => {
    const mem = new MemoryStorage();
    const s = new FaultyStorage(mem, {
      fault: { kind: "crash", at: 3, partial: (n) => n - 2 },
      onCrash: () => mem.crash(() => Infinity),
    });
    const f = await s.open("f", { create: true });
    await f.append(enc.encode("first."));
    await f.flush();
    await expect(f.append(enc.encode("second"))).rejects.toBeInstanceOf(SimulatedCrashError);
    expect(await contents(mem, "f")).toBe("first.seco");
  });

  test("onOp can hold an operation back", async () => {
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const mem = new MemoryStorage();
    const s = new FaultyStorage(mem, { onOp: (op) => (op === "append" ? gate : undefined) });
    const f = await s.open("f", { create: true });
    let done = false;
    const p = f.append(enc.encode("held")).then(() => (done = true));
    await new Promise((r) => setImmediate(r));
    expect(done).toBe(false);
    open();
    await p;
    expect(await f.size()).toBe(4);
  });
});
