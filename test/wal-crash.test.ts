// Crash and fault sweeps: one workload (concurrent appends, segment rolls, a
// markFlushed, a sync, close) is cut by a fault at every operation index in
// turn. After each, the log is reopened on what the "disk" kept and must
// replay every acknowledged record that the policy promised durable, each
// exactly as appended (never half), in one gapless run, and must then go on
// appending and reopen cleanly.
import "./helpers.js";
import { describe, test, expect } from "vitest";
import { MemoryStorage, KeepPending } from "../src/storage/memory.js";
import { FaultyStorage, Fault, SimulatedCrashError } from "../src/storage/faulty.js";
import { Wal, WalOptions, WalSyncPolicy } from "../src/wal/wal.js";
import { CqliteError } from "../src/errors.js";

/** Small bounds, so the workload rolls segments and splits batches often. */
const OPTS: WalOptions = { maxSegmentBytes: 300, maxBatchBytes: 150, maxPendingBytes: 400, batchDelayMs: 0 };

/** The payload of the k-th append (0-based): its length and bytes follow from k alone. */
function payloadFor(k: number): Uint8Array {
  const len = (k * 37) % 71;
  return Uint8Array.from({ length: len }, (_, i) => (k * 31 + i * 7 + 1) & 255);
}

interface Outcome {
  /** sequence numbers whose append resolved */
  acked: Set<bigint>;
  /** acked records at or below this were made durable by sync() */
  syncedUpTo: bigint;
  /** markFlushed was called with this (records at or below it may be gone) */
  mark: bigint;
  appends: number;
  problems: string[];
  error: unknown;
}

async function workload(storage: FaultyStorage, policy: WalSyncPolicy): Promise<Outcome> {
  const out: Outcome = { acked: new Set(), syncedUpTo: 0n, mark: 0n, appends: 0, problems: [], error: null };
  let wal: Wal | null = null;
  const round = async (n: number) => {
    const ps: Promise<void>[] = [];
    for (let i = 0; i < n; i++) {
      const k = out.appends++;
      ps.push(
        wal!.append(payloadFor(k)).then((r) => {
          // appends made in order get consecutive numbers from 1
          if (r.seq !== BigInt(k + 1)) out.problems.push(`append ${k} got seq ${r.seq}`);
          out.acked.add(r.seq);
        }),
      );
    }
    const settled = await Promise.allSettled(ps);
    const failed = settled.find((x) => x.status === "rejected");
    if (failed) throw (failed as PromiseRejectedResult).reason;
  };
  try {
    wal = await Wal.open(storage, { ...OPTS, sync: policy });
    await wal.replay(() => {
      out.problems.push("a fresh log replayed a record");
    });
    await round(6);
    await round(1);
    await round(12);
    out.mark = wal.nextSeq - 4n;
    await wal.markFlushed(out.mark);
    await round(9);
    const before = wal.nextSeq - 1n;
    await wal.sync();
    out.syncedUpTo = before;
    await round(7);
    await wal.close();
  } catch (e) {
    out.error = e;
    await wal?.close().catch(() => undefined);
  }
  return out;
}

interface Verdict {
  tornTail: boolean;
  /** acknowledged records (above the mark) that did not survive */
  lost: number;
}

/** Reopens on what survived and checks it against what the workload was promised. */
async function verify(mem: MemoryStorage, out: Outcome, policy: WalSyncPolicy, allAckedDurable: boolean, label: string): Promise<Verdict> {
  expect(out.problems, label).toEqual([]);
  if (out.error !== null) expect(out.error, label).toBeInstanceOf(CqliteError);
  const wal = await Wal.open(mem, { ...OPTS, sync: policy });
  const got: bigint[] = [];
  const report = await wal.replay((seq, payload) => {
    got.push(seq);
    // exactly what was appended: never a torn or foreign record
    const k = Number(seq) - 1;
    if (!(k >= 0 && k < out.appends)) throw new Error(`${label}: replayed seq ${seq}, never appended`);
    expect(payload, `${label}: seq ${seq}`).toEqual(payloadFor(k));
  });
  for (let i = 1; i < got.length; i++) expect(got[i], `${label}: gapless`).toBe(got[0] + BigInt(i));
  const present = new Set(got);
  let lost = 0;
  for (const q of out.acked) {
    if (q <= out.mark) continue; // a finished or half-finished markFlushed may have dropped it
    if (!present.has(q)) lost++;
    if (allAckedDurable || q <= out.syncedUpTo) expect(present.has(q), `${label}: acknowledged seq ${q} lost`).toBe(true);
  }
  // the log goes on: the next number follows what was replayed, and a second reopen is clean
  const next = report.nextSeq;
  if (got.length > 0) expect(next, label).toBe(got[got.length - 1] + 1n);
  const k = Number(next) - 1;
  expect((await wal.append(payloadFor(k))).seq, label).toBe(next);
  await wal.close();
  const again = await Wal.open(mem, { ...OPTS, sync: policy });
  const got2: bigint[] = [];
  const report2 = await again.replay((seq) => void got2.push(seq));
  expect(report2.tornTail, label).toBeNull();
  expect(got2, label).toEqual([...got, next]);
  await again.close();
  return { tornTail: report.tornTail !== null, lost };
}

function rootCause(e: unknown): unknown {
  for (let i = 0; i < 8 && e instanceof Error && e.cause !== undefined; i++) e = e.cause;
  return e;
}

/** Operations the workload makes when nothing goes wrong. */
async function countOps(policy: WalSyncPolicy): Promise<number> {
  const mem = new MemoryStorage();
  const s = new FaultyStorage(mem);
  const out = await workload(s, policy);
  expect(out.error).toBeNull();
  expect(out.acked.size).toBe(35);
  return s.ops;
}

interface Sweep {
  name: string;
  fault: (at: number) => Fault;
  /** what a crash keeps of unflushed bytes; null: no crash (the process lives on, nothing is lost) */
  keep: KeepPending | null;
  /** every acknowledged record survives, whatever the policy */
  keepsAll: boolean;
  /** some runs must meet a torn tail */
  tears: boolean;
  /** under "none", some runs must lose acknowledged records */
  loses: boolean;
}

const sweeps: Sweep[] = [
  { name: "crash, unflushed bytes lost", fault: (at) => ({ kind: "crash", at }), keep: () => 0, keepsAll: false, tears: false, loses: true },
  { name: "crash, unflushed bytes kept", fault: (at) => ({ kind: "crash", at }), keep: () => Infinity, keepsAll: true, tears: false, loses: false },
  {
    name: "crash, half the unflushed bytes kept",
    fault: (at) => ({ kind: "crash", at }),
    keep: (_n, pending) => pending / 2,
    keepsAll: false,
    tears: true,
    loses: true,
  },
  {
    name: "crash mid-write (torn), unflushed bytes kept",
    fault: (at) => ({ kind: "crash", at, partial: (n) => Math.ceil(n / 2) }),
    keep: () => Infinity,
    keepsAll: true,
    tears: true,
    loses: false,
  },
  {
    name: "crash mid-write (torn), unflushed bytes lost",
    fault: (at) => ({ kind: "crash", at, partial: (n) => n - 1 }),
    keep: () => 0,
    keepsAll: false,
    tears: false,
    loses: true,
  },
  { name: "I/O error", fault: (at) => ({ kind: "fail", at }), keep: null, keepsAll: true, tears: false, loses: false },
  { name: "short write", fault: (at) => ({ kind: "short-write", at }), keep: null, keepsAll: true, tears: true, loses: false },
];

const policies: WalSyncPolicy[] = ["always", "batch", "none"];

describe.each(policies)("sync %s", (policy) => {
  for (const sweep of sweeps) {
    test(`${sweep.name}: at every operation`, async () => {
      const total = await countOps(policy);
      expect(total).toBeGreaterThan(40);
      let torn = 0;
      let lost = 0;
      for (let at = 0; at <= total; at++) {
        const mem = new MemoryStorage();
        const keep = sweep.keep;
        const s = new FaultyStorage(mem, { fault: sweep.fault(at), onCrash: () => mem.crash(keep ?? undefined) });
        const out = await workload(s, policy);
        const label = `${policy}/${sweep.name}/op ${at}`;
        if (keep !== null) {
          // a crash ends the workload wherever it strikes
          // (appends see WalFailedError, whose cause is the crash)
          if (at < total) expect(rootCause(out.error), label).toBeInstanceOf(SimulatedCrashError);
          else expect(out.error, label).toBeNull();
        }
        // "always" and "batch" acknowledge only flushed records
        const allAckedDurable = policy !== "none" || sweep.keepsAll;
        const v = await verify(mem, out, policy, allAckedDurable, label);
        if (v.tornTail) torn++;
        lost += v.lost;
      }
      // the sweep reached the states it is about
      if (sweep.tears) expect(torn).toBeGreaterThan(0);
      if (policy === "none" && sweep.loses) expect(lost).toBeGreaterThan(0);
      if (policy !== "none" || sweep.keepsAll) expect(lost).toBe(0);
    });
  }
});
