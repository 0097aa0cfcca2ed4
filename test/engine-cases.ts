// The engine's behaviour on one storage backend: the cases every backend
// runs (memory and Node files under vitest, OPFS in Chromium through the lab
// worker), with the assertion library handed in so the same file serves both.
import { WriteEngine, EngineClosedError } from "../src/engine/engine.js";
import { DatabaseLockedError } from "../src/storage/errors.js";
import type { Storage } from "../src/storage/storage.js";
import { Rng, randomSchema, randomPartitions } from "./gen.js";
import { oracle, sortRows, NOW } from "./oracle.js";
import { Partition } from "../src/sstable/model.js";
import { encodeValue } from "../src/types/codec.js";
import { schemaCql } from "../src/schema/cql.js";
import { materialize } from "../src/read/materialize.js";
import type { expect as vitestExpect } from "vitest";

export type Expect = typeof vitestExpect;

export interface EngineCase {
  name: string;
  /** `make` gives a fresh, empty storage; model cases return what they saw */
  run(make: () => Promise<Storage>): Promise<{ rows: number; flushes: number } | void>;
}

export const SCHEMA = "CREATE TABLE ks.kv (k text, c int, v text, PRIMARY KEY (k, c))";
export const NOW_US = 1_700_000_000_000_000n;

export function row(k: string, c: number, v: string | null, ts: bigint): Partition {
  return {
    key: encodeValue({ kind: "text" }, k),
    token: 0n,
    unfiltereds: [{
      type: "row",
      row: {
        clustering: [encodeValue({ kind: "int" }, c)],
        liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff },
        cells: v === null
          ? [{ column: 0, timestamp: ts, deleted: true, localDeletionTime: 1_700_000_000, value: new Uint8Array(0) }]
          : [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, v) }],
      },
    }],
  };
}

export function engineCases(expect: Expect, seeds: number[] = Array.from({ length: 12 }, (_, i) => i + 1)): EngineCase[] {
  return [
    {
      name: "write, read, flush, reopen: data and generations survive",
      async run(make) {
        const storage = await make();
        let e = await WriteEngine.open({ storage, schema: SCHEMA });
        await e.writePartitions([row("a", 1, "one", NOW_US), row("a", 2, "two", NOW_US), row("b", 1, "bee", NOW_US)]);
        expect(e.memtableRowCount).toBe(3);
        expect(e.memtableSize).toBeGreaterThan(0);
        expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: "one" }, { k: "a", c: 2, v: "two" }]);
        const info = await e.flush();
        expect(info).toMatchObject({ generation: 1, partitions: 2, rows: 3 });
        expect(await e.flush()).toBeNull();
        expect(e.memtableRowCount).toBe(0);
        await e.writePartitions([row("a", 1, "uno", NOW_US + 1n)]);
        expect(await e.get({ k: "a" }, { c: 1 })).toEqual([{ k: "a", c: 1, v: "uno" }]);
        await e.close();
        await e.close();
        await expect(e.get({ k: "a" })).rejects.toBeInstanceOf(EngineClosedError);
        e = await WriteEngine.open({ storage, schema: SCHEMA });
        expect(e.generation).toBe(2);
        expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: "uno" }, { k: "a", c: 2, v: "two" }]);
        expect(await e.get({ k: "b" })).toEqual([{ k: "b", c: 1, v: "bee" }]);
        expect(await e.get({ k: "zzz" })).toEqual([]);
        await e.close();
      },
    },

    {
      name: "a second open of the same database gets DatabaseLockedError",
      async run(make) {
        const storage = await make();
        const e = await WriteEngine.open({ storage, schema: SCHEMA });
        await expect(WriteEngine.open({ storage, schema: SCHEMA })).rejects.toBeInstanceOf(DatabaseLockedError);
        await e.close();
        const again = await WriteEngine.open({ storage, schema: SCHEMA });
        await again.close();
      },
    },

    {
      name: "tombstones shadow older data across memtable and SSTables",
      async run(make) {
        const storage = await make();
        const e = await WriteEngine.open({ storage, schema: SCHEMA });
        await e.writePartitions([row("a", 1, "one", NOW_US)]);
        await e.flush();
        await e.writePartitions([row("a", 1, null, NOW_US + 5n)]);
        expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: null }]);
        await e.flush();
        await e.writePartitions([row("a", 1, "late but old", NOW_US + 1n)]);
        expect(await e.get({ k: "a" })).toEqual([{ k: "a", c: 1, v: null }]);
        await e.close();
      },
    },
    ...seeds.map((seed): EngineCase => ({
      name: `model test: random operations against the oracle, seed ${seed}`,
      async run(make) {
        const r = new Rng(seed * 104729);
        const schema = randomSchema(r);
        const cql = schemaCql(schema);
        const storage = await make();
        let e = await WriteEngine.open({ storage, schema: cql, flushThresholdRows: 1 + r.int(50), clock: () => NOW_US });
        const written: Partition[][] = [];
        for (let step = 0; step < 25; step++) {
          const roll = r.int(10);
          if (roll < 7) {
            const kr = new Rng(seed * 13 + r.int(3)); // overlapping keys across steps
            const ps = randomPartitions(kr, schema, 1 + kr.int(6));
            for (const p of ps) retime(p, r);
            await e.writePartitions(ps.map(clone));
            written.push(ps);
          } else if (roll < 9) {
            await e.flush();
          } else {
            await e.close();
            e = await WriteEngine.open({ storage, schema: cql, clock: () => NOW_US });
          }
        }
        const got = [];
        for await (const x of e.scan()) got.push(x);
        const want = oracle(e.schema, written, NOW);
        expect(sortRows(got)).toEqual(sortRows(want));
        // point reads give the oracle's rows of their partition
        for (const p of written.flat().slice(0, 10)) {
          const one = await e.getPartition(p.key);
          const same = (q: Partition) => q.key.length === p.key.length && q.key.every((b, i) => b === p.key[i]);
          const wantOne = oracle(e.schema, written.map((ps) => ps.filter(same)), NOW);
          const gotOne = one ? materialize(e.schema, one, { nowSeconds: NOW }) : [];
          expect(sortRows(gotOne)).toEqual(sortRows(wantOne));
        }
        const result = { rows: want.length, flushes: e.generation };
        await e.close();
        return result;
      },
    })),
  ];
}

function clone(p: Partition): Partition {
  return structuredClone(p);
}

// each write gets fresh, increasing timestamps so later writes win as they would in use
let clock = NOW_US;
function retime(p: Partition, r: Rng): void {
  const t = () => (clock += BigInt(1 + r.int(5)));
  const rowOf = (x: Partition["unfiltereds"][number]) => (x.type === "row" ? [x.row] : []);
  for (const row of [...(p.staticRow ? [p.staticRow] : []), ...p.unfiltereds.flatMap(rowOf)]) {
    if (row.liveness) row.liveness.timestamp = t();
    for (const c of row.cells) c.timestamp = t();
  }
}

