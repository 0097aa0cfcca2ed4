// Mutated SSTables (every component of every fixture table, and of tables
// of our own) into the four ways files are read: open + validate + read (the
// import path: whatever validation accepts must read back exactly the
// original's partitions, by scan, by the cursor's walk and by key), open +
// read and open + dump
// (reads without validation: typed errors only), and import with the table's
// schema. Some inputs damage the partitions in Data.db and write its
// checksums anew (CRC.db and Digest.crc32; for LZ4 tables the chunks,
// CompressionInfo.db and the digest: rechunk.ts), so the damage gets past the
// checksums to the decoder and to validation: such a file is a different table, so what validation
// accepts must then agree with itself (every lookup gives what the scan gave).
import { fixtureTables } from "../helpers.js";
import { SSTableReader } from "../../src/sstable/reader.js";
import { validate } from "../../src/tools/validate.js";
import { dumpJson } from "../../src/tools/dump.js";
import { openImports } from "../../src/export/import.js";
import { TableSchema } from "../../src/schema/schema.js";
import { Rng } from "./rng.js";
import { Mutation, drawMutations, apply } from "./mutate.js";
import { Finding, typedOr, plain, checkHeap } from "./contract.js";
import { FuzzTarget, Verdict } from "./target.js";
import { wideTable } from "./tables.js";
import { canRechunk, rechunk } from "./rechunk.js";
import { Partition } from "../../src/sstable/model.js";
import { ByteWriter, utf8 } from "../../src/util/bytes.js";
import { crc32 } from "../../src/core/checksum.js";
import { MergeCursor } from "../../src/read/merge-cursor.js";
import { SSTableCursor } from "../../src/read/sstable-cursor.js";
import { decodePartitions } from "../../src/core/rowstream.js";
import { Reused } from "../../src/util/bytes.js";

export interface SSTableCase {
  table: string;
  component: string;
  mutations: Mutation[];
  pipeline: "validate" | "read" | "dump" | "import";
  /** Data.db's checksums written anew after damaging it (compressed tables: its uncompressed bytes) */
  fixChecksums?: boolean;
}

interface Table {
  files: Map<string, Uint8Array>;
  version: string;
  /** the uncompressed Data.db of an LZ4 table */
  plain: Uint8Array | null;
  schema: TableSchema | null;
  partitions: string[];
  keys: Uint8Array[];
}

const tables = new Map<string, Table>();

async function add(name: string, version: string, files: Map<string, Uint8Array>): Promise<void> {
  let schema: TableSchema | null = null, partitions: string[] = [], keys: Uint8Array[] = [], data: Uint8Array | null = null;
  try {
    const r = await SSTableReader.openFiles(files);
    schema = r.schema;
    if (canRechunk(files, version)) data = await r.dataRange(0, r.dataLength);
    const ps = await r.partitions();
    partitions = ps.map(plain);
    keys = ps.map((p) => p.key);
  } catch {
    // versions the reader refuses (oa, da) stay in: their mutations must be refused, typed
  }
  if (data) {
    // the rewriting itself must be faithful: the undamaged bytes rechunked validate and read the same
    const copy = new Map(files);
    rechunk(copy, version, data);
    const r = await SSTableReader.openFiles(copy);
    await validate(r);
    if ((await r.partitions()).map(plain).join() !== partitions.join()) throw new Error(`rechunking ${name} changed it`);
  }
  tables.set(name, { files, version, plain: data, schema, partitions, keys });
}

export const sstableTarget: FuzzTarget<SSTableCase> = {
  name: "sstable",

  async setup() {
    if (tables.size) return;
    for (const t of fixtureTables()) await add(`${t.rel}/${t.version}-${t.generation}`, t.version, t.files);
    await add("ours/wide-range-deletions/nb-1", "nb", await wideTable());
  },

  draw(rng: Rng): SSTableCase {
    const names = [...tables.keys()].sort();
    const table = rng.pick(names);
    const t = tables.get(table)!;
    const comps = [...t.files.keys()].map((n) => n.replace(/^[a-z]{2}-[^-]+-[a-z]+-/, "")).sort();
    const plainData = (comps.includes("CRC.db") || t.plain !== null) && rng.chance(0.3);
    const component = plainData ? "Data.db" : rng.pick(comps);
    const size = plainData && t.plain ? t.plain.length : [...t.files].find(([n]) => n.endsWith(`-${component}`))![1].length;
    const c: SSTableCase = { table, component, mutations: drawMutations(rng, size), pipeline: rng.pick(["validate", "validate", "read", "dump", "import"] as const) };
    if (plainData) c.fixChecksums = true;
    return c;
  },

  async run(c: SSTableCase): Promise<Verdict> {
    const t = tables.get(c.table);
    if (!t) throw new Error(`no table ${c.table}`);
    const files = new Map<string, Uint8Array>();
    if (c.fixChecksums && t.plain) {
      for (const [n, b] of t.files) files.set(n, b);
      rechunk(files, t.version, apply(t.plain, c.mutations));
    } else {
      for (const [n, b] of t.files) files.set(n, n.endsWith(`-${c.component}`) ? apply(b, c.mutations) : b);
      if (c.fixChecksums) fixChecksums(files);
    }
    const where = `${c.pipeline} ${c.table} ${c.component}${c.fixChecksums ? " (checksums rewritten)" : ""}`;
    // the cursor's walk (scans, compaction, export) in slices of 256 bytes to 32 KiB, by the case
    const sliceBytes = 256 << (c.mutations.length % 8);
    const verdict = await pipeline(c.pipeline, c.fixChecksums ? { ...t, partitions: [], keys: [] } : t, files, where, sliceBytes);
    checkHeap(where);
    return verdict;
  },
};

async function pipeline(kind: SSTableCase["pipeline"], t: Table, files: Map<string, Uint8Array>, where: string, sliceBytes: number): Promise<Verdict> {
  if (kind === "import") {
    if (!t.schema) return (await typedOr(where, () => SSTableReader.openFiles(files))).ok ? "accepted" : "refused";
    const imp = await typedOr(where, () => openImports(t.schema!, files));
    if (!imp.ok) return "refused";
    return readsAsOriginal(imp.value[0].reader, t, where, sliceBytes);
  }
  const open = await typedOr(where, () => SSTableReader.openFiles(files));
  if (!open.ok) return "refused";
  const r = open.value;
  if (kind === "validate") {
    const v = await typedOr(where, () => validate(r));
    if (!v.ok) return "refused";
    return readsAsOriginal(r, t, where, sliceBytes);
  }
  if (kind === "dump") return (await typedOr(where, () => dumpJson(r))).ok ? "accepted" : "refused";
  // read without validation: a scan, the cursor's walk, then lookups of the original keys
  const scan = await typedOr(where, () => r.partitions());
  const walk = await typedOr(where, () => cursorWalk(r, sliceBytes));
  for (const k of t.keys.slice(0, 8)) if (!(await typedOr(where, () => r.get(k))).ok) return "refused";
  return scan.ok && walk.ok ? "accepted" : "refused";
}

/** Every partition as a cursor hands them over, a slice of about `sliceBytes` at a time (as plain text: a slice's stream is valid only until the next). */
async function cursorWalk(r: SSTableReader, sliceBytes: number): Promise<string[]> {
  const cursor = new MergeCursor([new SSTableCursor(r, null, new Reused())]);
  const out: string[] = [];
  for (let s = await cursor.next(sliceBytes); s; s = await cursor.next(sliceBytes)) for (const stream of s.streams) out.push(...decodePartitions(stream).map(plain));
  return out;
}

/**
 * After validation accepted the files: the scan and every lookup give the
 * original's partitions, or fail typed. Without an original (the checksums
 * were rewritten), every lookup gives what the scan gave.
 */
async function readsAsOriginal(r: SSTableReader, t: Table, where: string, sliceBytes: number): Promise<Verdict> {
  const scan = await typedOr(where, () => r.partitions());
  if (!scan.ok) return "refused";
  const walk = await typedOr(where, () => cursorWalk(r, sliceBytes));
  if (!walk.ok) return "refused";
  if (walk.value.join("\n") !== scan.value.map(plain).join("\n"))
    throw new Finding("wrong", `${where}: validation accepted it, but the cursor's walk in slices of ${sliceBytes} bytes reads ${walk.value.length} partitions that differ from the scan's ${scan.value.length}`);
  if (t.keys.length === 0 && t.partitions.length === 0) return selfConsistent(r, scan.value, where);
  const got = scan.value.map(plain);
  if (got.length !== t.partitions.length || got.some((p, i) => p !== t.partitions[i]))
    throw new Finding("wrong", `${where}: validation accepted it, but a scan reads ${got.length} partitions that differ from the original's ${t.partitions.length}`);
  for (let i = 0; i < t.keys.length; i++) {
    const g = await typedOr(where, () => r.get(t.keys[i]));
    if (!g.ok) return "refused";
    if (g.value === null || plain(g.value) !== t.partitions[i])
      throw new Finding("wrong", `${where}: validation accepted it, but the lookup of key ${i} reads ${g.value === null ? "nothing" : "another partition"}`);
  }
  return "accepted";
}


async function selfConsistent(r: SSTableReader, ps: Partition[], where: string): Promise<Verdict> {
  for (const p of ps) {
    const g = await typedOr(where, () => r.get(p.key));
    if (!g.ok) return "refused";
    if (g.value === null || plain(g.value) !== plain(p))
      throw new Finding("wrong", `${where}: validation accepted it, but a lookup disagrees with the scan (${g.value === null ? "nothing found" : "another partition"})`);
  }
  return "accepted";
}

/** CRC.db and Digest.crc32 for the Data.db as it now is. */
function fixChecksums(files: Map<string, Uint8Array>): void {
  const get = (c: string) => [...files].find(([n]) => n.endsWith(`-${c}`));
  const data = get("Data.db")![1];
  const crc = get("CRC.db");
  if (crc) {
    const chunk = Math.max(1, new DataView(crc[1].buffer, crc[1].byteOffset).getInt32(0));
    const w = new ByteWriter();
    w.i32(chunk);
    for (let at = 0; at < data.length; at += chunk) w.u32(crc32(data.subarray(at, at + chunk)));
    files.set(crc[0], w.result());
  }
  const digest = get("Digest.crc32");
  if (digest) files.set(digest[0], utf8(String(crc32(data))));
}
