// Rows.db under validation (which every import runs): a wide 'da' table
// with range deletions open across its blocks is accepted and reads as
// written; a Rows.db truncated, with a byte flipped, with a block's position
// past its partition, with two blocks' positions swapped, or with a
// separator moved out of its place among the blocks' clusterings is refused
// with a CorruptSSTableError naming a file and offset, never accepted with
// rows lost or misplaced.
import { describe, test, expect, beforeAll } from "vitest";
import { fixtureTables } from "./helpers.js";
import { wideTable } from "./fuzz/tables.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { validate } from "../src/tools/validate.js";
import { CorruptSSTableError, CqliteError } from "../src/errors.js";
import { readNode } from "../src/sstable/bti/trie.js";
import { readRowIndexEntry } from "../src/sstable/bti/row-index.js";
import { MemorySource } from "../src/sstable/source.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { makeZip } from "./zip-make.js";
import { Rng } from "./gen.js";

const LOCATED = /(Partitions|Rows|Data)\.db: .+ at offset \d+/;

function rowsOf(files: Map<string, Uint8Array>): [string, Uint8Array] {
  return [...files].find(([n]) => n.endsWith("-Rows.db"))!;
}

function withRows(files: Map<string, Uint8Array>, bytes: Uint8Array): Map<string, Uint8Array> {
  const out = new Map(files);
  out.set(rowsOf(files)[0], bytes);
  return out;
}

async function refusal(files: Map<string, Uint8Array>): Promise<CqliteError | null> {
  try {
    await validate(await SSTableReader.openFiles(files));
    return null;
  } catch (e) {
    if (!(e instanceof CqliteError)) throw e;
    return e;
  }
}

const strip = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? `${v}` : v instanceof Uint8Array ? Array.from(v) : v));

/** Every block entry of every partition's trie: where its payload is, its width and the separator's last transition. */
interface Filed {
  payloadPos: number;
  width: number;
  /** where the byte of the separator's last transition is (in its parent node), or -1 for the empty separator */
  transitionPos: number;
}

async function filedBlocks(files: Map<string, Uint8Array>): Promise<Filed[][]> {
  const rows = rowsOf(files)[1];
  const r = await SSTableReader.openFiles(files);
  const out: Filed[][] = [];
  const s = r.indexStream();
  while ((await s.fill(1)) > 0) {
    const e = s.at(0);
    s.consume(1);
    if (e.promoted.length === 0) continue;
    const entry = await readRowIndexEntry(new MemorySource(rows), e.offset, "Rows.db");
    const filed: Filed[] = [];
    const walk = (pos: number, transitionPos: number) => {
      const n = readNode(rows, pos, "Rows.db");
      if (n.payloadFlags) filed.push({ payloadPos: n.payloadPos, width: n.payloadFlags & 7, transitionPos });
      // a transition's byte: single nodes keep it just after the header (or the 12-bit pointer); sparse ones in a list
      n.children.forEach(([b, child]) => {
        let at = -1;
        for (let i = pos + 1; i < n.payloadPos; i++) if (rows[i] === b) { at = i; break; }
        walk(child, at);
      });
    };
    walk(entry.root, -1);
    out.push(filed);
  }
  return out;
}

describe("Rows.db validation", () => {
  let files: Map<string, Uint8Array>;
  let rows: Uint8Array;
  let blocks: Filed[][];
  beforeAll(async () => {
    files = await wideTable("da");
    rows = rowsOf(files)[1];
    blocks = await filedBlocks(files);
  });

  test("a wide table with range deletions open across blocks is accepted and reads as written", async () => {
    expect(await refusal(files)).toBeNull();
    expect(blocks).toHaveLength(3);
    for (const b of blocks) expect(b.length).toBeGreaterThan(10);
    const nb = await (await SSTableReader.openFiles(await wideTable("nb"))).partitions();
    expect(strip(await (await SSTableReader.openFiles(files)).partitions())).toBe(strip(nb));
  });

  const refused = async (bad: Uint8Array, what: string) => {
    const e = await refusal(withRows(files, bad));
    expect(e, what).toBeInstanceOf(CorruptSSTableError);
    expect(e!.message, what).toMatch(LOCATED);
    return e!;
  };

  test("truncated anywhere: refused", async () => {
    for (const cut of [0, 1, rows.length >> 2, rows.length >> 1, rows.length - 20, rows.length - 1]) await refused(rows.subarray(0, cut), `cut at ${cut}`);
  });

  test("a block's position past its partition: refused, naming Rows.db", async () => {
    for (const part of blocks) {
      // a middle block, and the entry past the last clustering (where the rows end)
      for (const f of [part[part.length >> 1], part[part.length - 1]]) {
        const bad = rows.slice();
        bad[f.payloadPos] = 0x7f;
        for (let i = 1; i < f.width; i++) bad[f.payloadPos + i] = 0xff;
        expect((await refused(bad, `payload at ${f.payloadPos}`)).message).toMatch(/Rows\.db/);
      }
    }
  });

  test("two blocks' positions swapped: refused, naming Rows.db", async () => {
    for (const part of blocks) {
      const i = part.findIndex((f, k) => k > 0 && k + 1 < part.length && f.width === part[k + 1].width);
      const [a, b] = [part[i], part[i + 1]];
      const bad = rows.slice();
      bad.set(rows.subarray(b.payloadPos, b.payloadPos + b.width), a.payloadPos);
      bad.set(rows.subarray(a.payloadPos, a.payloadPos + a.width), b.payloadPos);
      expect((await refused(bad, `blocks ${i} and ${i + 1}`)).message).toMatch(/Rows\.db/);
    }
  });

  test("a separator moved up or down out of its place: refused", async () => {
    let tried = 0;
    for (const part of blocks) {
      for (const f of part.slice(1, -1)) {
        if (f.transitionPos < 0) continue;
        for (const delta of [-1, 1, 0x20]) {
          const bad = rows.slice();
          bad[f.transitionPos] = (bad[f.transitionPos] + delta) & 0xff;
          await refused(bad, `transition at ${f.transitionPos} ${delta > 0 ? "+" : ""}${delta}`);
          tried++;
        }
      }
    }
    expect(tried).toBeGreaterThan(30);
  });

  test("every byte flipped in turn: refused with a located error, or accepted and read exactly as written", async () => {
    const want = strip(await (await SSTableReader.openFiles(files)).partitions());
    let refusedCount = 0;
    for (let i = 0; i < rows.length; i += 3) {
      const bad = rows.slice();
      bad[i] ^= 0xff;
      const e = await refusal(withRows(files, bad));
      if (e) {
        expect(e, `byte ${i}`).toBeInstanceOf(CorruptSSTableError);
        expect(e.message, `byte ${i}`).toMatch(LOCATED);
        refusedCount++;
      } else {
        const r = await SSTableReader.openFiles(withRows(files, bad));
        expect(strip(await r.partitions()), `byte ${i}`).toBe(want);
      }
    }
    expect(refusedCount).toBeGreaterThan(rows.length / 6);
  });

  test("40 seeded imports with Rows.db damaged (bytes flipped, cut short, runs zeroed): a typed error with nothing left behind, or every row as written", async () => {
    const SCHEMA = "CREATE TABLE ks.w (pk int, ck int, v text, PRIMARY KEY (pk, ck))";
    const rowsOfEngine = async (e: WriteEngine) => (await e.select("SELECT * FROM w")).map((r) => strip(r));
    const clean = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA });
    await clean.importSSTables(makeZip([...files].map(([name, data]) => ({ name, data }))));
    const want = await rowsOfEngine(clean);
    await clean.close();
    // 300 rows in each of three partitions, ck 40 to 149 under range deletions
    expect(want.length).toBe(3 * (300 - 110));
    const outcomes = new Map<string, number>();
    const r = new Rng(4242);
    for (let seed = 1; seed <= 40; seed++) {
      let bad = rows.slice();
      const kind = seed % 3;
      if (kind === 0) for (let k = 1 + r.int(6); k > 0; k--) bad[r.int(bad.length)] ^= 1 + r.int(255);
      else if (kind === 1) bad = bad.subarray(0, r.int(bad.length));
      else bad.fill(0, r.int(bad.length), Math.min(bad.length, r.int(bad.length) + 16));
      const storage = new MemoryStorage();
      const e = await WriteEngine.open({ storage, schema: SCHEMA });
      try {
        await e.importSSTables(makeZip([...withRows(files, bad)].map(([name, data]) => ({ name, data }))));
        expect(await rowsOfEngine(e), `seed ${seed}`).toEqual(want);
        outcomes.set("imported", (outcomes.get("imported") ?? 0) + 1);
      } catch (err) {
        if (!(err instanceof CqliteError)) throw new Error(`seed ${seed}: raw ${(err as Error)?.name}: ${(err as Error)?.message}`);
        if (err instanceof CorruptSSTableError) expect(err.message, `seed ${seed}`).toMatch(LOCATED);
        expect(await storage.list("sstables/"), `seed ${seed}`).toEqual([]);
        expect(await storage.list("import/"), `seed ${seed}`).toEqual([]);
        outcomes.set(err.code, (outcomes.get(err.code) ?? 0) + 1);
      }
      await e.close();
    }
    expect([...outcomes.keys()].filter((k) => k !== "imported").length).toBeGreaterThan(0);
  }, 300_000);

  test("an import of the damaged table is refused with nothing left behind", async () => {
    const bad = rows.slice();
    const f = blocks[0][3];
    bad[f.payloadPos] = 0x7f;
    const storage = new MemoryStorage();
    const e = await WriteEngine.open({ storage, schema: "CREATE TABLE ks.w (pk int, ck int, v text, PRIMARY KEY (pk, ck))" });
    const zip = makeZip([...withRows(files, bad)].map(([name, data]) => ({ name, data })));
    await expect(e.importSSTables(zip)).rejects.toBeInstanceOf(CorruptSSTableError);
    expect(await storage.list("sstables/")).toEqual([]);
    expect(await e.select("SELECT * FROM w")).toEqual([]);
    await e.close();
  });
});

// Partitions.db under validation: the in-order walk validation takes must
// agree with the descent a point lookup takes. Every key the walk yields is
// proved filed where a lookup of it would stop: the trie path to it is a
// prefix of its byte-comparable form (all of it, at a node with children)
// and the hash byte stored beside it, when there is one, is the key's.
describe("Partitions.db validation: every key where a lookup finds it", () => {
  const da = () => fixtureTables().filter((t) => t.version === "da");
  const simple = () => da().find((t) => t.rel.endsWith("legacy_da_simple"))!.files;
  const partitionsOf = (files: Map<string, Uint8Array>) => [...files].find(([n]) => n.endsWith("-Partitions.db"))!;
  const withPartitions = (files: Map<string, Uint8Array>, f: (b: Uint8Array) => void) => {
    const [name, bytes] = partitionsOf(files);
    const bad = bytes.slice();
    f(bad);
    return new Map(files).set(name, bad);
  };

  test("fuzz case sstable-777-9535 (key 3's hash byte set to 8): refused at that byte, naming Partitions.db", async () => {
    const files = simple();
    expect(partitionsOf(files)[1][10]).toBe(0x02); // the hash byte of the leaf at 9
    expect(await refusal(files)).toBeNull();
    const want = await (await SSTableReader.openFiles(files)).partitions();
    const bad = withPartitions(files, (b) => (b[10] = 8));
    // as in Cassandra, a lookup checks the hash byte and misses; the scan does not look at it
    const r = await SSTableReader.openFiles(bad);
    expect(strip(await r.partitions())).toBe(strip(want));
    expect(await r.get(want[3].key)).toBeNull();
    const e = await refusal(bad);
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect((e as CorruptSSTableError).file).toMatch(/Partitions\.db$/);
    expect((e as CorruptSSTableError).offset).toBe(10);
    expect(e!.message).toMatch(/hash byte 8 is not the key's \(2\)/);
  });

  test("a transition byte moved (the trie no longer spells the keys): refused, naming Partitions.db", async () => {
    const files = simple();
    // the dense node at 15 leads to the five leaves on bytes 30-34; from 31 on, key 0 is not under its path
    expect(partitionsOf(files)[1][16]).toBe(0x30);
    const e = await refusal(withPartitions(files, (b) => (b[16] = 0x31)));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e!.message).toMatch(/Partitions\.db: the trie files a key under .+ at offset \d+/);
  });

  test("each byte of every 'da' fixture's Partitions.db set to other values: refused, located, or accepted with every lookup reading what the scan reads", async () => {
    let refused = 0, accepted = 0;
    for (const t of da()) {
      const want = await (await SSTableReader.openFiles(t.files)).partitions();
      const [, bytes] = partitionsOf(t.files);
      for (let i = 0; i < bytes.length; i++) {
        for (const v of [bytes[i] ^ 0xff, (bytes[i] + 1) & 0xff, (bytes[i] - 1) & 0xff, 8, 0]) {
          if (v === bytes[i]) continue;
          const bad = withPartitions(t.files, (b) => (b[i] = v));
          const what = `${t.rel} byte ${i} = ${v}`;
          const e = await refusal(bad);
          if (e) {
            if (e instanceof CorruptSSTableError) expect(e.message, what).toMatch(LOCATED);
            refused++;
            continue;
          }
          accepted++;
          const r = await SSTableReader.openFiles(bad);
          const scan = await r.partitions();
          expect(strip(scan), what).toBe(strip(want));
          for (const p of scan) expect(strip(await r.get(p.key)), what).toBe(strip(p));
        }
      }
    }
    expect(refused).toBeGreaterThan(0);
    expect(accepted).toBeGreaterThan(0);
  });
});
