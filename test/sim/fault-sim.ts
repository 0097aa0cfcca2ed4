// Deterministic fault simulation over the whole engine. A seed fixes a
// schedule: a random mix of writes (some concurrent), deletes, flushes,
// maintenance steps and reads, run over storage that fails operations at
// random (injected I/O errors, a full quota), may crash at one operation
// (keeping a torn part of what was not flushed), and runs on a virtual clock;
// exports are imported straight back, under the same faults. The storage is
// memory (fast enough for thousands of schedules), or any real backend (OPFS
// in Chromium, files in Node) under the same crash model (crash-model.ts).
// After the schedule the database is reopened without faults and held to the
// oracle: every acknowledged write is there whole, every acknowledged delete
// holds, a write whose promise failed is there whole or not at all, and
// nothing else is. The same seed replays the same schedule exactly.
import { WriteEngine } from "../../src/engine/engine.js";
import { MemoryStorage, KeepPending } from "../../src/storage/memory.js";
import type { Storage } from "../../src/storage/storage.js";
import { CrashModel } from "./crash-model.js";
import { FaultyStorage, InjectedFaultError, StorageOp } from "../../src/storage/faulty.js";
import { QuotaExceededError } from "../../src/storage/errors.js";
import { CqliteError } from "../../src/errors.js";
import { encodeValue } from "../../src/types/codec.js";
import { Partition } from "../../src/sstable/model.js";
import { Rng } from "../gen.js";
import { concat } from "../../src/util/bytes.js";

const SCHEMA = "CREATE TABLE ks.kv (k text, c int, v text, PRIMARY KEY (k, c))";
/** operations a fault never hits: releasing resources */
const SPARED: ReadonlySet<StorageOp> = new Set(["close", "unlock", "close-storage", "lock"]);

/** Where a schedule's database lives, and what a crash leaves of it. */
export interface SimBackend {
  /** fresh, empty storage for the schedule of `seed` */
  create(seed: number): Promise<Storage>;
  /** the machine goes down: returns storage over what survives (see crash-model.ts) */
  crash(keep?: KeepPending): Promise<Storage>;
  /** closes and removes what create() made */
  dispose(): Promise<void>;
}

/** Memory with its built-in crash model. */
export function memoryBackend(): SimBackend {
  let mem: MemoryStorage;
  return {
    async create() {
      return (mem = new MemoryStorage());
    },
    async crash(keep) {
      mem.crash(keep);
      return mem;
    },
    async dispose() {},
  };
}

/**
 * A real backend: `open(seed)` opens the schedule's (empty) directory, again
 * after each crash; `remove(seed)` deletes it once its storage is closed.
 */
export function realBackend(open: (seed: number) => Promise<Storage>, remove: (seed: number) => Promise<void>): SimBackend {
  let seed = 0;
  let model: CrashModel;
  let current: Storage;
  return {
    async create(s) {
      seed = s;
      await remove(seed);
      current = await open(seed);
      return (model = new CrashModel(current));
    },
    async crash(keep) {
      return (current = await model.crash(() => open(seed), keep));
    },
    async dispose() {
      await current.close();
      await remove(seed);
    },
  };
}

export interface ScheduleResult {
  seed: number;
  steps: number;
  acknowledged: number;
  failedWrites: number;
  crashed: boolean;
  faults: number;
  /** exports imported back that went through */
  imports: number;
  /** what broke the contract; empty when the schedule passed */
  violations: string[];
}

interface Written {
  rows: number;
  version: number;
}

function partition(key: string, rows: number, version: number, ts: bigint): Partition {
  return {
    key: encodeValue({ kind: "text" }, key),
    token: 0n,
    unfiltereds: Array.from({ length: rows }, (_, c) => ({
      type: "row" as const,
      row: {
        clustering: [encodeValue({ kind: "int" }, c)],
        liveness: { timestamp: ts, ttl: 0, localExpirationTime: 0x7fffffff },
        cells: [{ column: 0, timestamp: ts, value: encodeValue({ kind: "text" }, `${key}/${c}/v${version}`) }],
      },
    })),
  };
}

function deletion(key: string, ts: bigint): Partition {
  return { key: encodeValue({ kind: "text" }, key), token: 0n, deletion: { markedForDeleteAt: ts, localDeletionTime: 1_700_000_000 }, unfiltereds: [] };
}

/** Runs the schedule of `seed`; never throws for a contract violation, it reports it. */
export async function runSchedule(seed: number, backend: SimBackend = memoryBackend()): Promise<ScheduleResult> {
  const rng = new Rng(seed);
  const faultRng = new Rng(seed ^ 0x5bd1e995);
  const base = await backend.create(seed);
  const failP = rng.pick([0, 0.002, 0.01, 0.03]);
  const quotaP = rng.pick([0, 0.005, 0.02]);
  const crashAt = rng.bool(0.6) ? 20 + rng.int(900) : -1;
  const torn = rng.bool();
  let faults = 0;
  let ops = 0;
  // the crash itself happens once the schedule stops: nothing reaches the
  // storage through `storage` after it, so the abandoned engine changes nothing
  const storage = new FaultyStorage(base, {
    fault: crashAt >= 0 ? { kind: "crash", at: crashAt, partial: torn ? (n) => Math.floor(n / 2) : undefined } : null,
    onOp: (op, index, name) => {
      ops = index;
      if (SPARED.has(op)) return;
      if (faultRng.bool(failP)) {
        faults++;
        throw new InjectedFaultError(op, name, index);
      }
      if ((op === "append" || op === "write") && faultRng.bool(quotaP)) {
        faults++;
        throw new QuotaExceededError(name);
      }
    },
  });

  // every key is written once, then maybe deleted: the oracle is exact
  const acked = new Map<string, Written>();
  const maybe = new Map<string, Written>();
  const deleted = new Set<string>();
  const maybeDeleted = new Set<string>();
  const violations: string[] = [];
  let micros = 1_700_000_000_000_000n;
  let next = 0;
  let steps = 0;
  let failedWrites = 0;
  let imports = 0;
  // "always": an acknowledged write is durable, so the oracle can hold every one to it
  const walSync = "always";
  const clock = () => micros++;
  // maintenance budgets measured in storage operations: deterministic
  const maintenanceClock = () => ops * 0.05;

  const crashed = () => storage.crashed;
  const typed = (e: unknown, what: string) => {
    if (!(e instanceof CqliteError)) violations.push(`${what}: raw ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`);
  };

  let engine: WriteEngine | null = null;
  try {
    engine = await WriteEngine.open({ storage, schema: SCHEMA, walSync, clock, maintenanceClock, flushThresholdBytes: 8 << 10 });
  } catch (e) {
    typed(e, "open");
  }
  if (engine) {
    const e = engine;
    const write = async () => {
      const key = `k${next++}`;
      const rows = 1 + rng.int(3);
      const w = { rows, version: 1 };
      try {
        await e.write(partition(key, rows, 1, clock()));
        acked.set(key, w);
      } catch (x) {
        typed(x, "write");
        failedWrites++;
        maybe.set(key, w);
      }
    };
    const del = async () => {
      const keys = [...acked.keys()].filter((k) => !deleted.has(k) && !maybeDeleted.has(k));
      if (!keys.length) return;
      const key = rng.pick(keys);
      try {
        await e.write(deletion(key, clock()));
        deleted.add(key);
      } catch (x) {
        typed(x, "delete");
        maybeDeleted.add(key);
      }
    };
    const n = 20 + rng.int(60);
    for (; steps < n && !crashed(); steps++) {
      const r = rng.next();
      if (r < 0.45) await write();
      else if (r < 0.6) await Promise.all(Array.from({ length: 2 + rng.int(4) }, write));
      else if (r < 0.68) await del();
      else if (r < 0.76) await e.flush().catch((x: unknown) => typed(x, "flush"));
      else if (r < 0.87) await e.maintenanceStep(0.5 + rng.int(4)).catch((x: unknown) => typed(x, "maintenanceStep"));
      else if (r < 0.9) {
        // an export, imported straight back: the same cells at the same
        // timestamps, so whatever lands changes no row, and a failure leaves nothing
        const parts: Uint8Array[] = [];
        try {
          await e.exportSSTable({ zip: (c) => void parts.push(c.slice()) });
          await e.importSSTables(concat(parts));
          imports++;
        } catch (x) {
          typed(x, "export and import");
        }
      } else {
        const keys = [...acked.keys()];
        if (!keys.length) continue;
        const key = rng.pick(keys);
        try {
          const rows = await e.get({ k: key });
          const want = deleted.has(key) ? 0 : maybeDeleted.has(key) ? -1 : acked.get(key)!.rows;
          if (want >= 0 && rows.length !== want) violations.push(`read of ${key} during the schedule: ${rows.length} rows, want ${want}`);
        } catch (x) {
          typed(x, "get");
        }
      }
    }
    if (!crashed()) await e.close().catch((x: unknown) => typed(x, "close"));
  }
  // whatever happened, the machine goes down now: only what was flushed
  // stays, and after a crash, maybe part of what was not (a torn tail)
  const after = await backend.crash(crashed() && torn ? (_name, pending) => Math.floor(pending / 3) : undefined);
  const result = () => ({ seed, steps, acknowledged: acked.size, failedWrites, crashed: crashed(), faults, imports, violations });

  let reopened: WriteEngine;
  try {
    reopened = await WriteEngine.open({ storage: after, schema: SCHEMA });
  } catch (x) {
    violations.push(`reopen failed: ${x instanceof Error ? `${x.name}: ${x.message}` : String(x)}`);
    await backend.dispose();
    return result();
  }
  const seen = new Map<string, { rows: number; values: Set<string> }>();
  for await (const row of reopened.scan()) {
    const k = row.k as string;
    const s = seen.get(k) ?? { rows: 0, values: new Set<string>() };
    s.rows++;
    s.values.add(row.v as string);
    seen.set(k, s);
  }
  for (const [key, w] of acked) {
    const s = seen.get(key);
    if (deleted.has(key)) {
      if (s) violations.push(`acknowledged delete of ${key} lost: ${s.rows} rows back`);
    } else if (maybeDeleted.has(key)) {
      if (s && s.rows !== w.rows) violations.push(`${key} half deleted: ${s.rows} of ${w.rows} rows`);
    } else if (!s || s.rows !== w.rows) violations.push(`acknowledged write of ${key} lost: ${s?.rows ?? 0} of ${w.rows} rows`);
  }
  for (const [key, s] of seen) {
    const w = acked.get(key) ?? maybe.get(key);
    if (!w) violations.push(`${key} appeared from nowhere`);
    else if (s.rows !== w.rows) violations.push(`${key} half there: ${s.rows} of ${w.rows} rows`);
    else for (const v of s.values) if (!v.startsWith(`${key}/`)) violations.push(`${key} holds another key's value ${v}`);
  }
  // and the engine goes on: one more write, flushed and read back
  try {
    await reopened.write(partition("after", 1, 1, micros + 1_000_000n));
    await reopened.flush();
    if ((await reopened.get({ k: "after" })).length !== 1) violations.push("a write after recovery is not read back");
    await reopened.close();
  } catch (x) {
    violations.push(`writing after recovery failed: ${x instanceof Error ? `${x.name}: ${x.message}` : String(x)}`);
    await reopened.close().catch(() => undefined);
  }
  await backend.dispose();
  return result();
}
