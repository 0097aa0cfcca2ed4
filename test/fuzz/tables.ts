// SSTables of our own for validation tests and the fuzzer, beside Cassandra's
// fixtures: shapes the fixtures lack (range deletions across row index blocks).
import { SSTableWriter, MemorySink } from "../../src/sstable/writer.js";
import { parseTable } from "../../src/cql/ddl.js";
import { tokenOf } from "../../src/core/token.js";
import { encodeValue } from "../../src/types/codec.js";
import { Partition, Unfiltered } from "../../src/sstable/model.js";
import { compareBytes } from "../../src/util/bytes.js";

/** Three partitions of 300 rows (~60 bytes each) with range deletions, cut into 1 KiB row index blocks (Index.db's, or for 'da' Rows.db's). */
export async function wideTable(version: "nb" | "da" = "nb"): Promise<Map<string, Uint8Array>> {
  const schema = parseTable("CREATE TABLE ks.w (pk int, ck int, v text, PRIMARY KEY (pk, ck))");
  const int = (n: number) => encodeValue({ kind: "int" }, n);
  const del = { markedForDeleteAt: 2_000n, localDeletionTime: 1_700_000_000 };
  const del2 = { markedForDeleteAt: 3_000n, localDeletionTime: 1_700_000_001 };
  const ps: Partition[] = [1, 2, 3].map((pk) => {
    const us: Unfiltered[] = [];
    for (let ck = 0; ck < 300; ck++) {
      if (ck === 40) us.push({ type: "marker", marker: { kind: 1, clustering: [int(40)], deletion: del } });
      if (ck === 90) us.push({ type: "marker", marker: { kind: 2, clustering: [int(90)], deletion: del, openDeletion: del2 } });
      if (ck === 150) us.push({ type: "marker", marker: { kind: 0, clustering: [int(150)], deletion: del2 } });
      us.push({
        type: "row",
        row: {
          clustering: [int(ck)],
          liveness: { timestamp: 1_000n + BigInt(ck), ttl: 0, localExpirationTime: 0x7fffffff },
          cells: [{ column: 0, timestamp: 1_000n + BigInt(ck), value: new TextEncoder().encode(`value ${pk}/${ck} `.padEnd(40, ".")) }],
        },
      });
    }
    const key = int(pk);
    return { key, token: tokenOf(key), unfiltereds: us };
  });
  ps.sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : compareBytes(a.key, b.key)));
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version, generation: 1, expectedKeys: ps.length, indexBlockSize: 1024 });
  try {
    await w.append(ps);
    await w.finish();
  } finally {
    w.close();
  }
  return sink.files(version, 1);
}
