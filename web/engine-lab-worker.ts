// The engine in a dedicated worker over OPFS, driven by messages from the
// lab page: open, CQL, flush, close, and a write burst that reports each
// acknowledged write as it happens.
import { loadCoreBrowser } from "../src/core/load-browser.js";
import { WriteEngine } from "../src/engine/engine.js";
import { OpfsStorage } from "../src/storage/opfs.js";
import { CqliteError } from "../src/errors.js";
import { engineCases } from "../test/engine-cases.js";
import { makeExpect } from "./lab-expect.js";
import { runSchedule, realBackend } from "../test/sim/fault-sim.js";

let engine: WriteEngine | null = null;
let storage: OpfsStorage | null = null;

function plain(v: unknown): unknown {
  return JSON.parse(JSON.stringify(v, (_k, x) => (typeof x === "bigint" ? `${x}n` : x instanceof Map ? Object.fromEntries(x) : x instanceof Uint8Array ? Array.from(x) : x)));
}

const ops: Record<string, (args: Record<string, unknown>) => Promise<unknown>> = {
  async open(a) {
    await loadCoreBrowser();
    storage = await OpfsStorage.open({ path: ["cqlite", String(a.db)] });
    try {
      engine = await WriteEngine.open({
        storage, schema: String(a.schema), flushThresholdRows: Number(a.flushThresholdRows ?? 100000),
        ...(a.flushThresholdBytes ? { flushThresholdBytes: Number(a.flushThresholdBytes) } : {}),
      });
    } catch (e) {
      await storage.close();
      storage = null;
      throw e;
    }
    return { replayed: engine.openReport.walRecordsReplayed, generation: engine.generation, sstables: engine.sstables.length };
  },
  async execute(a) {
    return plain((await engine!.execute(String(a.cql), a.params as never)).rows);
  },
  async select(a) {
    return plain(await engine!.select(String(a.cql), a.params as never));
  },
  async flush() {
    const info = await engine!.flush();
    return info && { generation: info.generation, partitions: info.partitions, rows: info.rows };
  },
  async exportZip() {
    // the engine's export as one zip, its bytes as numbers (what a message carries as JSON)
    const parts: Uint8Array[] = [];
    await engine!.exportSSTable({ zip: (c) => void parts.push(c.slice()) });
    const zip = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) zip.set(p, (at += p.length) - p.length);
    return Array.from(zip);
  },
  async state() {
    return { memtableRows: engine!.memtableRowCount, memtableBytes: engine!.memtableSize, generation: engine!.generation, sstables: engine!.sstables.map((s) => s.generation) };
  },
  async compact(a) {
    engine!.setMergePolicy({ kind: "size-tiered", minThreshold: Number(a.minThreshold ?? 2) });
    let calls = 0;
    while ((await engine!.maintenanceStep(10)).pending) calls++;
    return { calls, sstables: engine!.sstables.length };
  },
  async burst(a) {
    // writes one row per id from `from`; reports each as soon as it is durable
    const n = Number(a.count);
    const from = Number(a.from ?? 0);
    const inflight = new Set<Promise<void>>();
    for (let i = from; i < from + n; i++) {
      const p = engine!.execute("INSERT INTO kv (k, v) VALUES (?, ?)", [i, `value ${i}`]).then(() => {
        postMessage({ id: 0, ok: true, progress: i });
        inflight.delete(p);
      });
      inflight.add(p);
      if (inflight.size >= 32) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    return n;
  },
  async fill(a) {
    // writes rows of `bytes` bytes from `from` until one fails (or `max`): how many were acknowledged, and why it stopped
    const from = Number(a.from ?? 0);
    const pad = "x".repeat(Number(a.bytes ?? 1000));
    let acked = 0;
    for (let i = from; i < from + Number(a.max ?? 1_000_000); i++) {
      try {
        await engine!.execute("INSERT INTO kv (k, v) VALUES (?, ?)", [i, pad]);
        acked++;
      } catch (e) {
        const cause = (e as { cause?: { name?: string; message?: string } }).cause;
        return { acked, code: (e as CqliteError).code ?? null, name: (e as Error).name, message: (e as Error).message, cause: cause ? `${cause.name}: ${cause.message}` : null };
      }
    }
    return { acked, code: null, name: null };
  },
  async close() {
    await engine?.close();
    await storage?.close();
    engine = null;
    storage = null;
    return true;
  },
  /** The engine cases the Node suite runs on memory and files, here on OPFS: one fresh directory per case. */
  async suite(a) {
    await loadCoreBrowser();
    const root = await navigator.storage.getDirectory();
    const results: { name: string; ok: boolean; error?: string }[] = [];
    let n = 0;
    for (const c of engineCases(makeExpect())) {
      const opened: OpfsStorage[] = [];
      const make = async () => {
        const s = await OpfsStorage.open({ path: ["suite", String(a.run ?? "r"), `case${n}-${opened.length}`] });
        opened.push(s);
        return s;
      };
      try {
        await c.run(make);
        results.push({ name: c.name, ok: true });
      } catch (e) {
        results.push({ name: c.name, ok: false, error: String((e as Error).stack ?? e) });
      } finally {
        for (const s of opened) await s.close();
        n++;
      }
    }
    await root.removeEntry("suite", { recursive: true }).catch(() => undefined);
    return results;
  },
  /**
   * The seeded fault simulation (test/sim/fault-sim.ts) over real OPFS: one
   * directory per schedule, crashes modelled on the OPFS files themselves.
   */
  async sim(a) {
    await loadCoreBrowser();
    const root = await navigator.storage.getDirectory();
    const sims = await root.getDirectoryHandle("sim", { create: true });
    const name = (seed: number) => `s${seed}`;
    const backend = realBackend(
      (seed) => OpfsStorage.open({ path: ["sim", name(seed)] }),
      (seed) => sims.removeEntry(name(seed), { recursive: true }).catch(() => undefined),
    );
    const from = Number(a.from ?? 1);
    const out = { schedules: 0, crashed: 0, faults: 0, acknowledged: 0, failedWrites: 0, imports: 0, violations: [] as string[] };
    for (let seed = from; seed < from + Number(a.count); seed++) {
      const r = await runSchedule(seed, backend);
      out.schedules++;
      if (r.crashed) out.crashed++;
      out.faults += r.faults;
      out.acknowledged += r.acknowledged;
      out.failedWrites += r.failedWrites;
      out.imports += r.imports;
      for (const v of r.violations.slice(0, 3)) out.violations.push(`seed ${seed}: ${v}`);
      postMessage({ id: 0, ok: true, progress: seed });
    }
    await root.removeEntry("sim", { recursive: true }).catch(() => undefined);
    return out;
  },
  async wipe(a) {
    const root = await navigator.storage.getDirectory();
    const dir = await root.getDirectoryHandle("cqlite", { create: true });
    await dir.removeEntry(String(a.db), { recursive: true }).catch(() => undefined);
    return true;
  },
};

onmessage = async (ev: MessageEvent<{ id: number; op: string; args: Record<string, unknown> }>) => {
  const { id, op, args } = ev.data;
  try {
    const f = ops[op];
    if (!f) throw new CqliteError("UNKNOWN_OP", `unknown op ${op}`);
    postMessage({ id, ok: true, value: await f(args ?? {}) });
  } catch (e) {
    postMessage({ id, ok: false, error: { code: (e as { code?: string }).code ?? "ERROR", message: (e as Error).message } });
  }
};
