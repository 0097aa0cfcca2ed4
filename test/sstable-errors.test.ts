// Conversion between versions, refusal of formats we do not read, and
// corrupted input: every failure is a typed error naming file and offset.
import { describe, test, expect } from "vitest";
import { fixtureTables, FixtureTable } from "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { MemorySink } from "../src/sstable/writer.js";
import { convert } from "../src/sstable/convert.js";
import { CorruptSSTableError, UnsupportedFormatError, CqliteError } from "../src/errors.js";
import { FormatVersion } from "../src/sstable/version.js";
import { Partition } from "../src/sstable/model.js";
import { crc32 } from "../src/core/checksum.js";

const tables = fixtureTables();
const readable = tables.filter((t) => t.version === "md" || t.version === "nb");

function strip(ps: Partition[]) {
  // compare partitions as plain data
  return JSON.parse(JSON.stringify(ps, (_k, v) => (typeof v === "bigint" ? `${v}` : v instanceof Uint8Array ? Array.from(v) : v)));
}

describe("md <-> nb conversion keeps every row", () => {
  for (const t of readable) {
    const other: FormatVersion = t.version === "md" ? "nb" : "md";
    test(`${t.rel} ${t.version} -> ${other} -> ${t.version}`, async () => {
      const src = await SSTableReader.openFiles(t.files);
      const before = await src.partitions();
      const sink = new MemorySink();
      await convert(src, sink, { version: other, generation: 7 });
      const mid = await SSTableReader.openFiles(sink.files(other, 7));
      expect(mid.version).toBe(other);
      await mid.verifyChecksums();
      expect(strip(await mid.partitions())).toEqual(strip(before));
      const back = new MemorySink();
      await convert(mid, back, { version: t.version as FormatVersion, generation: 8 });
      const again = await SSTableReader.openFiles(back.files(t.version, 8));
      expect(strip(await again.partitions())).toEqual(strip(before));
    });
  }
});

describe("a version no Cassandra writes is refused", () => {
  test("pa", async () => {
    const oa = tables.find((t) => t.version === "oa")!;
    const files = new Map([...oa.files].map(([n, b]) => [n.replace(/^oa-/, "pa-"), b]));
    const err = await SSTableReader.openFiles(files).catch((e) => e);
    expect(err).toBeInstanceOf(UnsupportedFormatError);
    expect(err.message).toMatch(/unsupported SSTable format version 'pa'/);
  });
});

// BTI tries: a truncated or altered Partitions.db or Rows.db is a typed error
// naming the file and an offset, or (where the change is harmless, e.g. a
// hash byte) the same rows; never a crash or a wrong row.
describe("corrupt BTI indexes (da)", () => {
  for (const t of tables.filter((t) => t.version === "da")) {
    for (const component of ["Partitions.db", "Rows.db"]) {
      const original = [...t.files].find(([n]) => n.endsWith(component))![1];
      if (original.length === 0) continue;
      test(`${t.rel} ${component}: truncated, bytes flipped`, async () => {
        const good = strip(await (await SSTableReader.openFiles(t.files)).partitions());
        const outcome = async (files: Map<string, Uint8Array>) => {
          try {
            const r = await SSTableReader.openFiles(files);
            return strip(await r.partitions());
          } catch (e) {
            expect(e, String(e)).toBeInstanceOf(CqliteError);
            if (e instanceof CorruptSSTableError) expect(e.message).toMatch(/\.db/);
            return null;
          }
        };
        for (const cut of [0, 1, original.length >> 1, original.length - 1]) {
          const r = await outcome(mutate(t, component, (b) => b.subarray(0, cut)));
          if (component === "Partitions.db") expect(r, `cut at ${cut}`).toBeNull();
        }
        let refused = 0;
        // every byte of a small file; about 16 spread over a larger one
        const stride = Math.max(1, Math.floor(original.length / 16));
        for (let i = 0; i < original.length; i += stride) {
          const r = await outcome(mutate(t, component, (b) => ((b[i] ^= 0xff), b)));
          if (r === null) refused++;
          else expect(r, `byte ${i} flipped`).toEqual(good);
        }
        expect(refused).toBeGreaterThan(0);
      });
    }
  }
});

function mutate(t: FixtureTable, component: string, f: (b: Uint8Array) => Uint8Array | null): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const [n, b] of t.files) {
    if (n.endsWith(`-${component}`)) {
      const m = f(new Uint8Array(b)); // a copy: Buffer.slice would share memory
      if (m) out.set(n, m);
    } else out.set(n, b);
  }
  return out;
}

async function failure(files: Map<string, Uint8Array>, verify = true): Promise<CqliteError> {
  try {
    const r = await SSTableReader.openFiles(files);
    if (verify) await r.verifyChecksums();
    await r.partitions();
  } catch (e) {
    expect(e).toBeInstanceOf(CqliteError);
    return e as CqliteError;
  }
  throw new Error("no error");
}

describe("corrupted input gives typed errors with file and offset", () => {
  const compressed = tables.find((t) => t.rel.includes("legacy_nb_clust"))!;
  const plain = tables.find((t) => t.rel.includes("baselines/iot"))!;

  test("flipped byte in a compressed chunk: checksum error at the chunk", async () => {
    const e = await failure(mutate(compressed, "Data.db", (b) => ((b[100] ^= 0x40), b)), false);
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e.code).toBe("CHECKSUM");
    expect(e.message).toMatch(/Data\.db: chunk 0 checksum mismatch at offset 0/);
  });

  test("flipped byte in an uncompressed Data.db: CRC.db catches it before decoding", async () => {
    const e = await failure(mutate(plain, "Data.db", (b) => ((b[70000] ^= 1), b)), false);
    expect(e.code).toBe("CHECKSUM");
    expect(e.message).toMatch(/Data\.db: checksum mismatch \(CRC\.db entry 1\) at offset 65536/);
  });

  test("truncated Data.db (compressed)", async () => {
    const e = await failure(mutate(compressed, "Data.db", (b) => b.subarray(0, b.length - 10)), false);
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e.message).toMatch(/Data\.db/);
  });

  test("truncated Data.db (uncompressed)", async () => {
    const e = await failure(mutate(plain, "Data.db", (b) => b.subarray(0, 500_000)), false);
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e.message).toMatch(/Data\.db.*offset \d+/);
  });

  test("truncated Index.db", async () => {
    const e = await failure(mutate(plain, "Index.db", (b) => b.subarray(0, b.length - 3)));
    expect(e.message).toMatch(/Index\.db: truncated .* at offset \d+/);
  });

  test("truncated Statistics.db", async () => {
    const e = await failure(mutate(compressed, "Statistics.db", (b) => b.subarray(0, 200)));
    expect(e.message).toMatch(/Statistics\.db: .* at offset \d+/);
  });

  test("flipped byte in nb Statistics.db: metadata checksum", async () => {
    const e = await failure(mutate(compressed, "Statistics.db", (b) => ((b[60] ^= 1), b)));
    expect(e.code).toBe("CHECKSUM");
    expect(e.message).toMatch(/Statistics\.db: checksum mismatch in component/);
  });

  test("TOC lists a component that is missing", async () => {
    const e = await failure(mutate(plain, "Filter.db", () => null));
    expect(e.code).toBe("MISSING_COMPONENT");
    expect(e.message).toMatch(/Filter\.db: listed in TOC\.txt but missing/);
  });

  test("bad type name in the serialization header", async () => {
    const t = tables.find((t) => t.rel.includes("testtypes1/int-"))!;
    const files = mutate(t, "Statistics.db", (b) => {
      const s = new TextDecoder("latin1").decode(b);
      const i = s.lastIndexOf("Int32Type");
      b.set(new TextEncoder().encode("Int99Type"), i);
      return b;
    });
    const e = await failure(files);
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e.message).toMatch(/Statistics\.db: column 'intval': unknown type 'org\.apache\.cassandra\.db\.marshal\.Int99Type' at offset \d+/);
  });

  test("Digest.crc32 that does not match", async () => {
    const e = await failure(mutate(plain, "Digest.crc32", () => new TextEncoder().encode("12345")));
    expect(e.code).toBe("CHECKSUM");
    expect(e.message).toMatch(/Digest\.crc32 does not match/);
  });

  test("garbage in place of every component never hangs or crashes", async () => {
    for (const c of ["Data.db", "Index.db", "Summary.db", "Filter.db", "Statistics.db", "CompressionInfo.db"]) {
      for (let seed = 1; seed <= 5; seed++) {
        const files = mutate(compressed, c, (b) => {
          let x = seed * 2654435761;
          for (let i = 0; i < b.length; i += 7) {
            x = (x * 1103515245 + 12345) >>> 0;
            b[i] = x & 0xff;
          }
          return b;
        });
        try {
          const r = await SSTableReader.openFiles(files);
          await r.partitions();
        } catch (e) {
          expect(e, `${c} seed ${seed}`).toBeInstanceOf(CqliteError);
        }
      }
    }
  });
});

// streamRange decompresses LZ4 chunks inside the core for scans: the same
// stream as the host path, and the same refusals of damaged chunks
describe("a scan's range decoded in the core", () => {
  const compressed = tables.find((t) => t.rel.includes("legacy_nb_clust"))!;
  const opened = (files = compressed.files) => SSTableReader.openFiles(files);

  test("gives the stream decodeStream(dataRange) gives, for the whole table and for partitions inside it", async () => {
    const r = await opened();
    expect(r.compression!.className).toMatch(/LZ4/);
    expect(await r.streamRange(0, r.dataLength)).toEqual(r.decodeStream(await r.dataRange(0, r.dataLength), 0));
    const entries = await r.indexEntries();
    expect(entries.length).toBeGreaterThan(3);
    const [a, b] = [entries[1].position, entries[entries.length - 1].position];
    expect(await r.streamRange(a, b)).toEqual(r.decodeStream(await r.dataRange(a, b), a));
  });

  const damaged = async (change: (b: Uint8Array) => Uint8Array | null) => {
    const files = new Map(compressed.files);
    const name = [...files.keys()].find((n) => n.endsWith("Data.db"))!;
    files.set(name, change(files.get(name)!.slice())!);
    const r = await opened(files);
    return r.streamRange(0, r.dataLength).then(() => null, (e: unknown) => e as CqliteError);
  };

  test("a flipped byte is a checksum error naming the chunk", async () => {
    const e = await damaged((b) => ((b[100] ^= 0x40), b));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e!.code).toBe("CHECKSUM");
    expect(e!.message).toMatch(/Data\.db: chunk 0 checksum mismatch at offset 0/);
  });

  test("a truncated Data.db is refused", async () => {
    const e = await damaged((b) => b.subarray(0, b.length - 10));
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e!.message).toMatch(/Data\.db/);
  });

  test("an LZ4 body that does not decompress (its checksum made to match) names the chunk", async () => {
    const r = await opened();
    const end = r.compression!.offsets.length > 1 ? Number(r.compression!.offsets[1]) : r.dataLength;
    const e = await damaged((b) => {
      b.fill(0xff, 8, end - 4); // literal lengths that run past the chunk
      new DataView(b.buffer, b.byteOffset).setUint32(end - 4, crc32(b.subarray(0, end - 4)));
      return b;
    });
    expect(e).toBeInstanceOf(CorruptSSTableError);
    expect(e!.message).toMatch(/Data\.db: corrupt LZ4 chunk 0 at offset \d+/);
  });
});
