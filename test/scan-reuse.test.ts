// A scan reads each slice's row stream into buffers it fills again for the
// next slice (scanPieces). Nothing it hands on may keep a view of them: rows,
// blob values, partition keys and the paging state built from a key must read
// the same after the scan has gone on through many more slices.
import { test, expect } from "vitest";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { CqlRow } from "../src/read/materialize.js";
import { SCAN_FIRST_SLICE, scanPieces, Piece } from "../src/read/read-path.js";
import type { ReadView } from "../src/read/read-path.js";

const SCHEMA = "CREATE TABLE ks.t (pk blob, ck int, name text, data blob, n bigint, PRIMARY KEY (pk, ck))";
const PARTITIONS = 6000;

function rowOf(i: number): CqlRow {
  const pk = Uint8Array.from({ length: 4 + (i % 60) }, (_, k) => (i * 31 + k) & 0xff);
  // some text is not ASCII, some is long: each takes its own decoding path
  const name = i % 7 === 0 ? `ünïcode-${i}` : i % 11 === 0 ? "L".repeat(700) + i : `name-${i}`.padEnd(40, ".");
  return { pk, ck: i % 3, name, data: Uint8Array.from({ length: 20 + (i % 90) }, (_, k) => (i + k * 7) & 0xff), n: BigInt(i) * 1_000_003n };
}

const hex = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const id = (r: CqlRow) => `${hex(r.pk as Uint8Array)}/${r.ck}`;

async function filled(): Promise<{ e: WriteEngine; want: Map<string, CqlRow> }> {
  const e = await WriteEngine.open({ storage: new MemoryStorage(), schema: SCHEMA, walSync: "none" });
  const rows = Array.from({ length: PARTITIONS }, (_, i) => rowOf(i));
  // two SSTables whose partitions interleave, and a memtable: slices are merged
  await e.insert(rows.filter((_, i) => i % 2 === 0));
  await e.flush();
  await e.insert(rows.filter((_, i) => i % 2 === 1 && i % 5 !== 0));
  await e.flush();
  await e.insert(rows.filter((_, i) => i % 2 === 1 && i % 5 === 0));
  return { e, want: new Map(rows.map((r) => [id(r), r])) };
}

test("rows kept from a scan read the same after it has gone through every slice", async () => {
  const { e, want } = await filled();
  const got: CqlRow[] = [];
  for await (const r of e.scan()) got.push(r);
  // many slices, so buffers were filled again many times
  expect(PARTITIONS * 100).toBeGreaterThan(8 * SCAN_FIRST_SLICE);
  expect(got.length).toBe(want.size);
  for (const r of got) expect(r).toEqual(want.get(id(r)));
  const all: CqlRow[] = await e.select("SELECT * FROM ks.t");
  expect(all.map(id)).toEqual(got.map(id));
  for (const r of all) expect(r).toEqual(want.get(id(r)));
  await e.close();
});

test("a paging state taken mid-scan resumes at the right row after the scan has gone on", async () => {
  const { e, want } = await filled();
  const seen: CqlRow[] = [];
  let state: string | null = null;
  const states: (string | null)[] = [];
  do {
    const p: { rows: CqlRow[]; pagingState: string | null } = await e.selectPage("SELECT * FROM ks.t", [], { pageSize: 777, pagingState: state });
    seen.push(...p.rows);
    states.push(p.pagingState);
    state = p.pagingState;
  } while (state);
  expect(seen.length).toBe(want.size);
  expect(new Set(seen.map(id)).size).toBe(want.size);
  // an early state, used after later pages were read, resumes where it did
  const again = await e.selectPage("SELECT * FROM ks.t", [], { pageSize: 777, pagingState: states[0] });
  expect(again.rows.map(id)).toEqual(seen.slice(777, 2 * 777).map(id));
  await e.close();
});

test("every piece a scan hands on keeps its key after the scan has gone on", async () => {
  const { e, want } = await filled();
  const pieces: Piece[] = [];
  // the engine's read side pins a view as every read does
  const reads = (e as unknown as { reads: { withView<T>(f: (v: ReadView) => AsyncGenerator<T>): AsyncGenerator<T> } }).reads;
  for await (const run of reads.withView((view) => scanPieces(view, null, { skipPartition: false }, true))) pieces.push(...run);
  const keys = new Set([...want.values()].map((r) => hex(r.pk as Uint8Array)));
  expect(pieces.length).toBe(keys.size);
  expect(new Set(pieces.map((p) => hex(p.partition.key))).size).toBe(keys.size);
  for (const p of pieces) expect(keys.has(hex(p.partition.key))).toBe(true);
  await e.close();
});
