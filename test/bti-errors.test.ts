// Damaged BTI tries under the readers that walk them: point reads through
// Partitions.db, slices through Rows.db, scans. Every outcome is a typed
// error naming the file and an offset, or the right rows. A lookup that a
// damaged trie leads astray may find nothing (the tries carry no checksum,
// and Cassandra's reader is no different), but never another partition's
// rows: the key at the end of the walk is always compared.
import { describe, test, expect } from "vitest";
import { fixtureTables, sliceThroughBlocks } from "./helpers.js";
import { Rng, plain } from "./gen.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { CorruptSSTableError, CqliteError } from "../src/errors.js";
import { parseTable } from "../src/cql/ddl.js";
import { Partition, Unfiltered } from "../src/sstable/model.js";
import { compareBytes } from "../src/util/bytes.js";
import { encodeValue } from "../src/types/codec.js";
import { tokenOf } from "../src/core/token.js";
import { comparePartitions } from "../src/schema/order.js";

const LOCATED = /(Partitions|Rows|Data)\.db: .+ at offset \d+/;

/** A table of our own: 600 partitions (Partitions.db over several pages), some wide (Rows.db). */
async function written(): Promise<Map<string, Uint8Array>> {
  const schema = parseTable("CREATE TABLE ks.t (pk int, ck int, v text, PRIMARY KEY (pk, ck))");
  const r = new Rng(31);
  const parts: Partition[] = [];
  for (let pk = 0; pk < 600; pk++) {
    const key = encodeValue({ kind: "int" }, pk);
    const n = pk % 50 === 0 ? 200 : 1 + r.int(3);
    const unfiltereds = Array.from({ length: n }, (_, ck) => ({
      type: "row" as const,
      row: { clustering: [encodeValue({ kind: "int" }, ck)], liveness: { timestamp: 1000n, ttl: 0, localExpirationTime: 0x7fffffff }, cells: [{ column: schema.columnIndex("v"), timestamp: 1000n, value: new TextEncoder().encode(`v${pk}-${ck}`.padEnd(30, ".")) }] },
    }));
    parts.push({ key, token: tokenOf(key), unfiltereds });
  }
  parts.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version: "da", generation: 1, expectedKeys: parts.length, indexBlockSize: 512 });
  await w.append(parts);
  await w.finish();
  return sink.files("da", 1);
}

function mutate(files: Map<string, Uint8Array>, component: string, f: (b: Uint8Array) => Uint8Array): Map<string, Uint8Array> {
  return new Map([...files].map(([n, b]) => [n, n.endsWith(`-${component}`) ? f(new Uint8Array(b)) : b]));
}

/** What the readers make of the files: per key its partition (or null), a slice of each wide one, the scan; or the error. */
async function outcome(files: Map<string, Uint8Array>, keys: Uint8Array[], wide: Uint8Array[]) {
  const got: unknown[] = [];
  try {
    const r = await SSTableReader.openFiles(files);
    for (const k of keys) got.push(plain(await r.get(k)));
    for (const k of wide) {
      const [lo, hi] = [encodeValue({ kind: "int" }, 100), encodeValue({ kind: "int" }, 110)];
      const s = await sliceThroughBlocks(r, k, { lo: [lo], hi: [hi] });
      // non-negative ints sort as their bytes
      const inRange = (u: Unfiltered) => u.type === "row" && compareBytes(u.row.clustering[0]!, lo) >= 0 && compareBytes(u.row.clustering[0]!, hi) <= 0;
      got.push(plain(s ? s.filter(inRange) : null));
    }
    got.push(plain(await r.partitions()));
    return { got };
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(CqliteError);
    if (e instanceof CorruptSSTableError) expect(e.message).toMatch(LOCATED);
    return { error: e as CqliteError };
  }
}

describe("damaged Partitions.db and Rows.db under point reads, slices and scans", async () => {
  const cases = [
    ...fixtureTables().filter((t) => t.version === "da").map((t) => ({ name: t.rel, files: t.files })),
    { name: "600 partitions written as da", files: await written() },
  ];
  for (const { name, files } of cases) {
    for (const component of ["Partitions.db", "Rows.db"]) {
      const original = [...files].find(([n]) => n.endsWith(component))![1];
      if (original.length === 0) continue;
      test(`${name} ${component}`, async () => {
        const r = await SSTableReader.openFiles(files);
        const all = await r.partitions();
        const keys = all.filter((_, i) => i % Math.max(1, Math.floor(all.length / 12)) === 0).map((p) => p.key);
        const wide = all.filter((p) => p.unfiltereds.length > 100).slice(0, 3).map((p) => p.key);
        const good = await outcome(files, keys, wide);
        expect(good.error).toBeUndefined();
        const check = async (m: Map<string, Uint8Array>, what: string) => {
          const o = await outcome(m, keys, wide);
          if (o.error) return 1;
          // a lookup may come back empty; whatever comes back is the right partition
          const g = o.got!;
          for (let i = 0; i < g.length; i++) if (g[i] !== null || i >= keys.length) expect(g[i], `${what}: result ${i}`).toEqual(good.got![i]);
          return 0;
        };
        let refused = 0;
        for (const cut of [0, 1, original.length >> 1, original.length - 1]) refused += await check(mutate(files, component, (b) => b.subarray(0, cut)), `cut at ${cut}`);
        const stride = Math.max(1, Math.floor(original.length / 24));
        for (let i = 0; i < original.length; i += stride) refused += await check(mutate(files, component, (b) => ((b[i] ^= 0xff), b)), `byte ${i} flipped`);
        expect(refused).toBeGreaterThan(0);
      }, 120_000);
    }
  }
});
