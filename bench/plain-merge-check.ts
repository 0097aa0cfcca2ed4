// Checks bench/plain-merge.ts against the core's merge (byte for byte) and
// times both on the benchmark's shape of workload: several sorted inputs of
// one table whose partitions overlap, newer inputs carrying newer cells.
// bench/node.ts runs it as the "core: merge" figures.
import { merge } from "../src/core/merge.js";
import { parseTable } from "../src/cql/ddl.js";
import { encodePartitions } from "../src/core/rowstream.js";
import { tokenOf } from "../src/core/token.js";
import { encodeValue } from "../src/types/codec.js";
import { comparePartitions } from "../src/schema/order.js";
import { Partition, Row } from "../src/sstable/model.js";
import { TableSchema } from "../src/schema/schema.js";
import { mergeStreamsPlain } from "./plain-merge.js";
import { measure, Measure } from "./stats.js";

const NOW = 1_700_000_000;
const TS = 1_700_000_000_000_000n;
const NO_LDT = 0x7fffffff;
const kv = parseTable("CREATE TABLE bench.kv (id int PRIMARY KEY, payload text)");

function sorted(ps: Partition[]): Uint8Array {
  ps.sort((a, b) => comparePartitions(a.token, a.key, b.token, b.key));
  return encodePartitions(ps);
}

/** `inputs` streams of `perInput` partitions; consecutive inputs share half their keys, later inputs are newer. */
function workload(inputs: number, perInput: number): Uint8Array[] {
  const text = "x".repeat(100);
  const keys = new Map<number, [Uint8Array, bigint]>();
  const streams: Uint8Array[] = [];
  for (let s = 0; s < inputs; s++) {
    const ts = TS + BigInt(s) * 1000n;
    const ps: Partition[] = [];
    for (let j = 0; j < perInput; j++) {
      const id = s * (perInput >> 1) + j;
      let kt = keys.get(id);
      if (!kt) keys.set(id, (kt = [encodeValue({ kind: "int" }, id), tokenOf(encodeValue({ kind: "int" }, id))]));
      ps.push({
        key: kt[0], token: kt[1],
        unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: NO_LDT }, cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, `${text}${s}:${id}`) }] } }],
      });
    }
    streams.push(sorted(ps));
  }
  return streams;
}

/** Small, tie-heavy inputs: equal timestamps, equal and prefix values, local deletion times, rows without liveness, empty partitions, several columns. */
function edgeWorkload(schema: TableSchema, inputs: number, keysN: number, seed: number): Uint8Array[] {
  let x = seed >>> 0;
  const rnd = (n: number) => {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    return x % n;
  };
  const values = ["", "a", "ab", "b", "abc", "zz"].map((t) => encodeValue({ kind: "text" }, t));
  const ncols = schema.columns.length;
  const streams: Uint8Array[] = [];
  for (let s = 0; s < inputs; s++) {
    const ps: Partition[] = [];
    for (let id = 0; id < keysN; id++) {
      if (rnd(3) === 0) continue;
      const key = encodeValue({ kind: "int" }, id);
      const p: Partition = { key, token: tokenOf(key), unfiltereds: [] };
      if (rnd(10) > 0) {
        const row: Row = { clustering: [], cells: [] };
        if (rnd(3) > 0) row.liveness = { timestamp: TS + BigInt(rnd(3)), ttl: 0, localExpirationTime: NO_LDT };
        for (let c = 0; c < ncols; c++) {
          if (rnd(3) === 0) continue;
          const cell: Row["cells"][number] = { column: c, timestamp: TS + BigInt(rnd(3)), value: values[rnd(values.length)] };
          if (rnd(20) === 0) cell.timestamp = -(2n ** 63n);
          // a live cell's local deletion time is carried as is: the last tie-break
          if (rnd(4) === 0) cell.localDeletionTime = 1000 + rnd(3);
          row.cells.push(cell);
        }
        p.unfiltereds.push({ type: "row", row });
      }
      ps.push(p);
    }
    streams.push(sorted(ps));
  }
  return streams;
}

/** Rows tied on liveness timestamp whose (TTL-less) local expiration times differ: bytes encodePartitions never writes. */
function livenessTies(): Uint8Array[][] {
  const key = encodeValue({ kind: "int" }, 7);
  const one = (ldt: number, text: string, ts: bigint) => {
    const p: Partition = {
      key, token: tokenOf(key),
      unfiltereds: [{ type: "row", row: { clustering: [], liveness: { timestamp: ts, ttl: 0, localExpirationTime: NO_LDT }, cells: [{ column: 0, timestamp: TS, value: encodeValue({ kind: "text" }, text) }] } }],
    };
    const b = encodePartitions([p]);
    // P, token, key length, key, deletion; R, clustering count; liveness timestamp, ttl: then its local expiration time
    new DataView(b.buffer, b.byteOffset).setInt32(1 + 8 + 4 + key.length + 12 + 1 + 1 + 8 + 4, ldt);
    return b;
  };
  return [
    [one(5, "a", TS), one(7, "b", TS)],
    [one(7, "a", TS), one(5, "b", TS)],
    [one(5, "b", TS), one(5, "a", TS), one(9, "a", TS)],
    [one(9, "a", TS + 1n), one(5, "a", TS), one(NO_LDT, "a", TS + 1n)],
  ];
}

function assertSame(what: string, core: Uint8Array, plain: Uint8Array): void {
  const n = Math.min(core.length, plain.length);
  let at = -1;
  for (let i = 0; i < n; i++) {
    if (core[i] !== plain[i]) {
      at = i;
      break;
    }
  }
  if (at < 0 && core.length === plain.length) return;
  if (at < 0) at = n;
  const hex = (b: Uint8Array) => Buffer.from(b.subarray(Math.max(0, at - 32), at + 32)).toString("hex");
  throw new Error(
    `${what}: plain merge differs from the core at offset ${at} (lengths core ${core.length}, plain ${plain.length})\n` +
      `  core  [${Math.max(0, at - 32)}..]: ${hex(core)}\n  plain [${Math.max(0, at - 32)}..]: ${hex(plain)}`,
  );
}

function check(what: string, schema: TableSchema, streams: Uint8Array[]): Uint8Array {
  const core = merge(schema, streams, NOW).stream;
  const plain = mergeStreamsPlain(schema, streams, NOW);
  assertSame(what, core, plain);
  return core;
}

/** Checks the plain merge against the core (every edge workload, then the benchmark's), then times both. */
export function mergeBenchmark(smoke: boolean): { core: Measure; plain: Measure; inputs: number; perInput: number; inMB: number } {
  // correctness on the tie-heavy shapes first
  const wide = parseTable("CREATE TABLE bench.wide (id int PRIMARY KEY, a text, b text, c text)");
  for (let seed = 1; seed <= 20; seed++) {
    check(`edge kv seed ${seed}`, kv, edgeWorkload(kv, 2 + (seed % 4), 300, seed));
    check(`edge wide seed ${seed}`, wide, edgeWorkload(wide, 2 + (seed % 4), 300, seed * 7919));
  }
  livenessTies().forEach((streams, i) => check(`liveness ties ${i}`, kv, streams));
  console.log("edge cases: plain merge matches the core (44 workloads)");

  const inputs = 4;
  const perInput = smoke ? 2_000 : 20_000;
  const streams = workload(inputs, perInput);
  const inBytes = streams.reduce((a, s) => a + s.length, 0);
  const merged = check("workload", kv, streams);
  console.log(`workload: ${inputs} inputs × ${perInput} partitions, ${(inBytes / 1e6).toFixed(2)} MB in, ${(merged.length / 1e6).toFixed(2)} MB out: byte-identical`);
  const mb = inBytes / 1e6;
  // warm both up: V8 tiers wasm and JS up by call count
  for (let i = 0; i < 3; i++) {
    merge(kv, streams, NOW);
    mergeStreamsPlain(kv, streams, NOW);
  }
  const runs = smoke ? 2 : 7;
  const core = measure(runs, () => {
    const t = performance.now();
    merge(kv, streams, NOW);
    return mb / ((performance.now() - t) / 1000);
  });
  const plain = measure(runs, () => {
    const t = performance.now();
    mergeStreamsPlain(kv, streams, NOW);
    return mb / ((performance.now() - t) / 1000);
  });
  return { core, plain, inputs, perInput, inMB: mb };
}
