// The CLI load's CSV reader and stager on a thread of its own (dist/csv-worker.js):
// it reads the input and stages batches (csvBatches) while the main thread
// encodes, applies, flushes and merges, so a load uses both of a machine's cores.
// Batches cross as their staged arrays, transferred, never copied. At most
// AHEAD batches are staged before the main thread has taken them: memory
// stays bounded whatever the input's size.
import { parentPort, workerData } from "node:worker_threads";
import { openSync, readSync, closeSync } from "node:fs";
import { parseTable } from "../cql/ddl.js";
import { Batch } from "../batch/batch.js";
import { csvBatches, BadRowError, BATCH_ROWS } from "./csv-batch.js";
import { CqliteError } from "../errors.js";
import { BATCH_MODE_RECORD } from "../../assembly/format/constants.js";
import type { StagedParts } from "../batch/staged-column.js";

/** What the main thread starts the worker with. */
export interface CsvWorkerData {
  input: string;
  schema: string;
  skipBad: boolean;
}

/** Batches the worker stages beyond those the main thread has taken. */
export const AHEAD = 8;

/** A message from the worker: a batch, the end, or why it stopped. */
export type CsvWorkerMessage =
  | { kind: "batch"; rows: number; lines: Int32Array; columns: { name: string; parts: StagedParts }[]; bytesRead: number; skipped: number }
  | { kind: "done"; bytesRead: number; skipped: number }
  | { kind: "bad"; line: number; reason: string }
  | { kind: "error"; code: string | null; message: string };

async function run(port: NonNullable<typeof parentPort>, d: CsvWorkerData): Promise<void> {
  const schema = parseTable(d.schema);
  // the write's time is the main thread's to give: staging here uses none (no multi-cell column comes here)
  const write = { mode: BATCH_MODE_RECORD, timestamp: 0n, ttl: 0, nowSeconds: 0 };
  let credit = AHEAD;
  let wake: (() => void) | null = null;
  port.on("message", () => {
    credit++;
    wake?.();
  });
  const progress = { bytesRead: 0, skipped: 0 };
  for await (const { batch, lines } of csvBatches(chunks(d.input), schema, d.skipBad, progress, (l) => new Batch(schema, BATCH_ROWS, (r) => `line ${l[r]}`, write))) {
    while (credit === 0) await new Promise<void>((r) => (wake = r));
    wake = null;
    credit--;
    const columns = batch.staged().map((c) => ({ name: c.def.name, parts: c.parts() }));
    const transfer = new Set<ArrayBuffer>([lines.buffer as ArrayBuffer]);
    for (const { parts: p } of columns) for (const a of [p.presence, p.data, p.offsets, p.bytes]) if (a) transfer.add(a.buffer as ArrayBuffer);
    const m: CsvWorkerMessage = { kind: "batch", rows: batch.rows, lines, columns, ...progress };
    port.postMessage(m, [...transfer]);
  }
  port.postMessage({ kind: "done", ...progress } satisfies CsvWorkerMessage);
}

/**
 * The input a MiB at a time, read in this thread: the pool of threads
 * Node's asynchronous reads use is the main thread's too, busy writing the
 * engine's files, and a read queued behind those writes left the main
 * thread waiting for rows.
 */
function* chunks(path: string): Generator<Uint8Array> {
  const fd = openSync(path, "r");
  try {
    for (;;) {
      const b = new Uint8Array(1 << 20);
      const n = readSync(fd, b, 0, b.length, null);
      if (n === 0) return;
      yield n === b.length ? b : b.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}

if (parentPort) {
  const port = parentPort;
  run(port, workerData as CsvWorkerData).catch((e: unknown) => {
    const m: CsvWorkerMessage = e instanceof BadRowError
      ? { kind: "bad", line: e.line, reason: e.reason }
      : { kind: "error", code: e instanceof CqliteError ? e.code : null, message: e instanceof Error ? e.message : String(e) };
    port.postMessage(m);
  });
}
