// Pinned versions: a read, a scan and an open iterator started before a
// compaction commits (or an import lands) finish on the SSTables they started
// with; the replaced files are deleted only once the last of them is done.
// Reads are held at a gate in storage, so "in flight" is exact, not timing.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { FaultyStorage } from "../src/storage/faulty.js";
import { CqlRow } from "../src/read/materialize.js";

const SCHEMA = "CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))";
const PKS = 40;
const CKS = 5;

/** A storage whose next Data.db read, once armed, waits until released. */
function gatedStorage() {
  const inner = new MemoryStorage();
  let armed = false;
  let reached: () => void = () => {};
  let release: () => void = () => {};
  const storage = new FaultyStorage(inner, {
    onOp: async (op, _i, name) => {
      if (!armed || op !== "read" || !name.endsWith("-Data.db")) return;
      armed = false;
      const gate = new Promise<void>((r) => (release = r));
      reached();
      await gate;
    },
  });
  return {
    storage,
    inner,
    /** arms the gate; resolves when a Data.db read is held at it */
    arm(): Promise<void> {
      armed = true;
      return new Promise<void>((r) => (reached = r));
    },
    /** lets the held read go on (and disarms a gate nothing reached) */
    release: () => {
      armed = false;
      release();
    },
  };
}

// long enough that a scan reads each SSTable in several slices
const value = (tag: string, round: number, pk: number, ck: number) => `${tag}${round}-${pk}-${ck}`.padEnd(400, ".");

async function twoFlushes(e: WriteEngine, tag: string): Promise<void> {
  for (const round of [0, 1]) {
    const records = [];
    for (let pk = 0; pk < PKS; pk++) for (let ck = 0; ck < CKS; ck++) if ((pk + round) % 2 === 0 || round === 0) records.push({ pk, ck, v: value(tag, round, pk, ck) });
    await e.insert(records);
    await e.flush();
  }
}

function expected(tag: string): CqlRow[] {
  const out: CqlRow[] = [];
  for (let pk = 0; pk < PKS; pk++) for (let ck = 0; ck < CKS; ck++) out.push({ pk, ck, v: value(tag, (pk + 1) % 2 === 0 ? 1 : 0, pk, ck) });
  return out;
}

const key = (r: CqlRow) => `${r.pk}/${r.ck}`;
const sorted = (rows: CqlRow[]) => [...rows].sort((a, b) => Number(a.pk) - Number(b.pk) || Number(a.ck) - Number(b.ck));

async function drain<T>(it: AsyncGenerator<T>, first: IteratorResult<T>): Promise<T[]> {
  const out: T[] = first.done ? [] : [first.value];
  for (let n = await it.next(); !n.done; n = await it.next()) out.push(n.value);
  return out;
}

async function dataFiles(s: MemoryStorage): Promise<string[]> {
  return (await s.list("sstables/")).filter((n) => n.endsWith("-Data.db"));
}

describe("pinned versions", () => {
  test("a read, a scan and an iterator in flight while a compaction commits finish with the right rows; the inputs go after the last pin drops", async () => {
    const g = gatedStorage();
    const e = await WriteEngine.open({ storage: g.storage, schema: SCHEMA, walSync: "none" });
    e.setMergePolicy({ kind: "size-tiered", minThreshold: 2 });
    await twoFlushes(e, "x");
    const want = expected("x");
    const before = await dataFiles(g.inner);
    expect(before).toHaveLength(2);

    // a point read held at its Data.db read
    let held = g.arm();
    const get = e.get({ pk: 7 });
    await held;
    // a scan and a SELECT iterator with a row each taken
    const scan = e.scan();
    const scanFirst = await scan.next();
    const sel = e.selectIter("SELECT pk, ck, v FROM t");
    const selFirst = await sel.next();

    // the compaction runs to its commit, and its deletions are due
    for (let i = 0; i < 100 && (await e.maintenanceStep(50)).pending; i++);
    expect(e.sstables.map((s) => s.generation)).toEqual([3]);
    // nothing it replaced is deleted while pinned
    expect(await dataFiles(g.inner)).toEqual(expect.arrayContaining(before));

    g.release();
    expect(await get).toEqual(want.filter((r) => r.pk === 7));
    held = g.arm(); // the iterators' next Data.db read is held once more, then let through
    const scanRest = drain(scan, scanFirst);
    const selRest = drain(sel, selFirst);
    // the iterators still had SSTables to read after the commit
    expect(await Promise.race([held.then(() => "read after the commit"), scanRest.then(() => "done"), selRest.then(() => "done")])).toBe("read after the commit");
    g.release();
    expect(sorted(await scanRest).map(key)).toEqual(want.map(key));
    expect(sorted(await scanRest)).toEqual(want);
    expect(sorted(await selRest)).toEqual(want);

    // every pin dropped: the next maintenance deletes the inputs
    await e.maintenanceStep(50);
    expect(await dataFiles(g.inner)).toEqual(["sstables/nb-3-big-Data.db"]);
    expect(sorted(await e.select("SELECT pk, ck, v FROM t"))).toEqual(want);
    await e.close();
  });

  test("an iterator abandoned with break releases its pin", async () => {
    const g = gatedStorage();
    const e = await WriteEngine.open({ storage: g.storage, schema: SCHEMA, walSync: "none" });
    e.setMergePolicy({ kind: "size-tiered", minThreshold: 2 });
    await twoFlushes(e, "y");
    const it = e.selectIter("SELECT * FROM t");
    await it.next();
    for (let i = 0; i < 100 && (await e.maintenanceStep(50)).pending; i++);
    expect(await dataFiles(g.inner)).toHaveLength(3);
    await it.return(undefined);
    await e.maintenanceStep(50);
    expect(await dataFiles(g.inner)).toHaveLength(1);
    await e.close();
  });

  test("reads in flight while an import lands finish on the version they started with; later reads see the import", async () => {
    const src = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
    await src.insert(Array.from({ length: 20 }, (_, i) => ({ pk: 1000 + i, ck: 0, v: `imported-${i}` })));
    const chunks: Uint8Array[] = [];
    await src.exportSSTable({ zip: (c) => void chunks.push(c.slice()) });
    await src.close();
    const zip = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    chunks.reduce((o, c) => (zip.set(c, o), o + c.length), 0);

    const g = gatedStorage();
    const e = await WriteEngine.open({ storage: g.storage, schema: SCHEMA, walSync: "none" });
    await twoFlushes(e, "z");
    const want = expected("z");
    const held = g.arm();
    const get = e.get({ pk: 3 });
    await held;
    const sel = e.selectIter("SELECT pk, ck, v FROM t");
    const selFirst = await sel.next();
    await e.importSSTables(zip);
    g.release();
    expect(await get).toEqual(want.filter((r) => r.pk === 3));
    expect(sorted(await drain(sel, selFirst))).toEqual(want);
    const after = sorted(await e.select("SELECT pk, ck, v FROM t"));
    expect(after).toHaveLength(want.length + 20);
    expect(await e.get({ pk: 1007 })).toEqual([{ pk: 1007, ck: 0, v: "imported-7" }]);
    await e.close();
  });
});

describe("the table cache", () => {
  test("at most maxOpenFiles SSTable files are open at once; reads past the bound reopen files and stay right", async () => {
    let peak = 0;
    let measuring = false;
    const handles = new Map<string, number>();
    const storage = new FaultyStorage(new MemoryStorage(), {
      onOp: (op, _i, name) => {
        if (!name.startsWith("sstables/")) return;
        if (op === "open") handles.set(name, (handles.get(name) ?? 0) + 1);
        if (op === "close" && handles.has(name)) {
          const n = handles.get(name)! - 1;
          if (n) handles.set(name, n);
          else handles.delete(name);
        }
        if (measuring) peak = Math.max(peak, [...handles.values()].reduce((a, b) => a + b, 0));
      },
    });
    const e = await WriteEngine.open({ storage, schema: SCHEMA, walSync: "none", maxOpenFiles: 3 });
    for (let f = 0; f < 6; f++) {
      await e.insert(Array.from({ length: 10 }, (_, i) => ({ pk: f * 10 + i, ck: f, v: `f${f}` })));
      await e.flush();
    }
    // writing a flush opens its own files; the bound is on the readers' handles, counted from here
    measuring = true;
    for (let pk = 0; pk < 60; pk++) expect(await e.get({ pk })).toEqual([{ pk, ck: Math.floor(pk / 10), v: `f${Math.floor(pk / 10)}` }]);
    expect(await e.select("SELECT COUNT(*) FROM t")).toEqual([{ count: 60n }]);
    measuring = false;
    expect(peak).toBeGreaterThan(0);
    expect(peak).toBeLessThanOrEqual(3);
    expect(e.readStats().fileOpens).toBeGreaterThan(6 * 2); // files were closed and opened again
    expect(e.readStats().openFiles).toBeLessThanOrEqual(3);
    await e.close();
  });
});
