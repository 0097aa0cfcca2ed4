// Cassandra's own legacy test tables (LegacySSTableTest), one set per BIG
// version from 3.0's 'ma' to 5.0's 'oa' and 5.0's trie-indexed 'da': every
// table decodes to exactly the rows MANIFEST.md gives, range tombstone
// markers included, every checksum verifies and every partition is found by
// key. Re-encoding is held by sstable-roundtrip.test.ts.
import { describe, test, expect } from "vitest";
import { fixtureTables, FixtureTable } from "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { materialize, CqlRow } from "../src/read/materialize.js";
import { parseTable } from "../src/cql/ddl.js";
import { BIG_VERSIONS, READABLE, features } from "../src/sstable/version.js";
import { MARKER_KINDS } from "../src/sstable/model.js";
import { toHex } from "../src/util/bytes.js";

const legacy = fixtureTables().filter((t) => t.rel.includes("legacy_tables/"));
const table = (v: string, name: string): FixtureTable | undefined => legacy.find((t) => t.rel === `${v}/legacy_tables/legacy_${v}_${name}`);
const PKS = ["0", "1", "2", "3", "4"];
// WITH COMPACT STORAGE went away in 4.0: its tables exist up to 'na'
const COMPACT: readonly string[] = BIG_VERSIONS.filter((v) => v < "nb");

async function rows(t: FixtureTable, cql?: string): Promise<CqlRow[]> {
  const r = await SSTableReader.openFiles(t.files, cql ? { schema: parseTable(cql) } : {});
  await r.verifyChecksums();
  const out: CqlRow[] = [];
  for await (const p of r.scan()) out.push(...materialize(r.schema, p, { nowSeconds: 1_700_000_000 }));
  // point lookups through Filter → Summary → Index → Data find every partition
  for (const p of await r.partitions()) expect((await r.get(p.key))?.unfiltereds.length).toBe(p.unfiltereds.length);
  return out;
}

/** clust: ck = n followed by '0123456789' x 120, for n in 0..49, in text order; one 128-letter val. */
function clustRows(got: CqlRow[], ck = "ck"): CqlRow[] {
  const val = got[0]?.val as string;
  expect(val).toMatch(/^[a-z]{128}$/);
  const cks = Array.from({ length: 50 }, (_, n) => `${n}${"0123456789".repeat(120)}`).sort();
  return PKS.flatMap((pk) => cks.map((c) => ({ pk, [ck]: c, val })));
}

test("every BIG version has its legacy tables here", () => {
  for (const v of READABLE) {
    for (const name of ["simple", "simple_counter", "clust"]) expect(table(v, name), `${v} ${name}`).toBeDefined();
    if (COMPACT.includes(v)) for (const name of ["simple_compact", "simple_counter_compact", "clust_compact"]) expect(table(v, name), `${v} ${name}`).toBeDefined();
  }
});

describe.each(READABLE.map((v) => [v]))("legacy tables, version %s", (v) => {
  test("simple: pk '0'..'4', val 'foo bar baz'", async () => {
    const got = await rows(table(v, "simple")!, `CREATE TABLE legacy_tables.legacy_${v}_simple (pk text PRIMARY KEY, val text)`);
    expect(got).toEqual(PKS.map((pk) => ({ pk, val: "foo bar baz" })));
  });
  test("simple_counter: counter value 1 in every row", async () => {
    const got = await rows(table(v, "simple_counter")!, `CREATE TABLE t (pk text PRIMARY KEY, val counter)`);
    expect(got).toEqual(PKS.map((pk) => ({ pk, val: 1n })));
  });
  test("clust: 5 partitions x 50 rows", async () => {
    const got = await rows(table(v, "clust")!, `CREATE TABLE t (pk text, ck text, val text, PRIMARY KEY (pk, ck))`);
    expect(got).toEqual(clustRows(got));
  });
});

// WITH COMPACT STORAGE tables (ma to na; 4.0 dropped the option) decode in the
// layout the files keep: a static compact table's values are static cells
// behind a hidden 'column1' clustering column no row uses; a dense one is an
// ordinary clustered table.
describe.each(COMPACT.map((v) => [v]))("compact storage legacy tables, version %s", (v) => {
  test("simple_compact and simple_counter_compact: values in static cells", async () => {
    for (const [name, val] of [["simple_compact", "foo bar baz"], ["simple_counter_compact", 1n]] as const) {
      const t = table(v, name)!;
      const r = await SSTableReader.openFiles(t.files);
      expect(r.statistics.header.clusteringTypeNames).toEqual(["org.apache.cassandra.db.marshal.UTF8Type"]);
      expect(r.statistics.header.staticColumns.map((c) => c.name)).toEqual(["val"]);
      const got = await rows(t);
      expect(got).toEqual(PKS.map((pk) => ({ key: pk, column1: null, val })));
    }
  });
  test("clust_compact: 5 partitions x 50 rows", async () => {
    const got = await rows(table(v, "clust_compact")!);
    expect(got.map(({ key, column1, val }) => ({ pk: key, ck: column1, val }))).toEqual(clustRows(got));
  });
});

test("mc inaccurate_min_max: the range tombstone Cassandra wrote, and the row after it", async () => {
  const t = table("mc", "inaccurate_min_max")!;
  const schema = parseTable("CREATE TABLE t (k int, c1 int, c2 int, c3 int, v int, PRIMARY KEY (k, c1, c2, c3))");
  const r = await SSTableReader.openFiles(t.files, { schema });
  await r.verifyChecksums();
  const [p, ...more] = await r.partitions();
  expect(more).toEqual([]);
  const int = (n: number) => toHex(Uint8Array.of(0, 0, 0, n));
  expect(toHex(p.key)).toBe(int(100));
  const [open, close, row] = p.unfiltereds;
  expect(p.unfiltereds.length).toBe(3);
  // DELETE WHERE c1 < 3: from the start of the partition up to c1 = 3 exclusive
  if (open.type !== "marker" || close.type !== "marker" || row.type !== "row") throw new Error("expected marker, marker, row");
  expect(open.marker.kind).toBe(MARKER_KINDS.INCL_START_BOUND);
  expect(open.marker.clustering).toEqual([]);
  expect(close.marker.kind).toBe(MARKER_KINDS.EXCL_END_BOUND);
  expect(close.marker.clustering.map((c) => toHex(c!))).toEqual([int(3)]);
  expect(close.marker.deletion).toEqual(open.marker.deletion);
  expect(row.row.clustering.map((c) => toHex(c!))).toEqual([int(4), int(4), int(4)]);
  const got: CqlRow[] = materialize(schema, p, { nowSeconds: 1_700_000_000 });
  expect(got).toEqual([{ k: 100, c1: 4, c2: 4, c3: 4, v: 4 }]);
  // 'mc' predates the corrected min/max clustering (CASSANDRA-14861): the
  // minimum mixes the tombstone's c1 = 3 with the row's values, which is why
  // readers do not trust them before 'md'
  expect(features("mc").accurateMinMax).toBe(false);
  expect(r.statistics.stats.minClusteringValues.map(toHex)).toEqual([int(3), int(4), int(4)]);
  expect(r.statistics.stats.maxClusteringValues.map(toHex)).toEqual([int(4), int(4), int(4)]);
});

describe("Statistics.db differences between versions", () => {
  const stats = async (v: string, name = "simple") => (await SSTableReader.openFiles(table(v, name)!.files)).statistics.stats;
  test("commit log lower bound from mb, intervals from mc", async () => {
    expect((await stats("ma")).commitLogLowerBound.segmentId).toBe(-1n);
    expect((await stats("ma")).commitLogIntervals).toEqual([]);
    const mb = await stats("mb");
    expect(mb.commitLogLowerBound.segmentId).toBeGreaterThan(0n);
    expect(mb.commitLogIntervals).toEqual([]);
    const mc = await stats("mc");
    expect(mc.commitLogIntervals).toEqual([[mc.commitLogLowerBound, mc.commitLogUpperBound]]);
  });
  test("originating host id in me, nb and oa; not in md or na", async () => {
    for (const v of ["ma", "mb", "mc", "md", "na"]) expect((await stats(v)).originatingHostId).toBeNull();
    for (const v of ["me", "nb", "oa"]) expect((await stats(v)).originatingHostId?.length).toBe(16);
  });
  test("oa: covered clustering as bounds, partition deletion flag, key range, unsigned deletion times", async () => {
    const s = await stats("oa", "clust");
    const ck = (n: number) => `${n}${"0123456789".repeat(120)}`;
    const text = (b: Uint8Array | null) => new TextDecoder().decode(b!);
    expect(s.coveredClustering!.types).toEqual(["org.apache.cassandra.db.marshal.UTF8Type"]);
    expect(s.coveredClustering!.start.kind).toBe(MARKER_KINDS.INCL_START_BOUND);
    expect(s.coveredClustering!.start.values.map(text)).toEqual([ck(0)]);
    expect(s.coveredClustering!.end.kind).toBe(MARKER_KINDS.INCL_END_BOUND);
    expect(s.coveredClustering!.end.values.map(text)).toEqual([ck(9)]);
    expect(s.hasPartitionLevelDeletions).toBe(false);
    expect(text(s.firstKey)).toBe("0");
    expect(text(s.lastKey)).toBe("4");
    expect(s.tokenSpaceCoverage).toBeNaN();
    // no deletion at all: 0xffffffff, the unsigned "none"
    expect(s.minLocalDeletionTime).toBe(-1);
    expect((await stats("oa")).coveredClustering!.types).toEqual([]);
  });
});
