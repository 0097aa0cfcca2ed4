// The CLI load's CSV reader, stager and encoder on a thread of its own
// (dist/csv-worker.js): it reads the input, stages batches (csvBatches) and
// has its own core encode them, while the main thread applies, flushes and
// merges, so a load uses both of a machine's cores. Each batch is encoded
// with a write time the main thread reserved for it and sent as a credit
// (so timestamps follow the order batches are applied in), and crosses as its
// payload, transferred, never copied. At most AHEAD batches are made before
// the main thread has taken them: memory stays bounded whatever the input.
import { parentPort, workerData } from "node:worker_threads";
import { openSync, readSync, closeSync } from "node:fs";
import { loadCoreNode } from "../core/load-node.js";
import { parseTable } from "../cql/ddl.js";
import { Batch, BatchWrite } from "../batch/batch.js";
import { csvBatches, BadRowError, BATCH_ROWS } from "./csv-batch.js";
import { CqliteError } from "../errors.js";
import type { CsvWorkerCredit, CsvWorkerData, CsvWorkerMessage } from "./csv-worker-protocol.js";
import { BATCH_MODE_RECORD } from "../../assembly/format/constants.js";

async function run(port: NonNullable<typeof parentPort>, d: CsvWorkerData): Promise<void> {
  loadCoreNode();
  const schema = parseTable(d.schema);
  // staged before its write time is known: only multi-cell values stage with it, and none comes here
  const unknown: BatchWrite = { mode: BATCH_MODE_RECORD, timestamp: 0n, ttl: 0, nowSeconds: 0 };
  const credits: CsvWorkerCredit[] = [];
  let wake: (() => void) | null = null;
  port.on("message", (c: CsvWorkerCredit) => {
    credits.push(c);
    wake?.();
  });
  const progress = { bytesRead: 0, skipped: 0 };
  // a batch's arrays are free once it is encoded: two are live at a time (one staging, one encoding), so
  // the worker allocates next to nothing per batch (what a thread allocates stays in its own allocator arena)
  const spare: Batch[] = [];
  const linesOf = new WeakMap<Batch, Int32Array>();
  const newBatch = (l: Int32Array) => {
    let b = spare.pop();
    if (b) b.reuse(unknown);
    else {
      const made: Batch = new Batch(schema, BATCH_ROWS, (r) => `line ${linesOf.get(made)![r]}`, unknown);
      b = made;
    }
    linesOf.set(b, l);
    return b;
  };
  for await (const { batch, lines } of csvBatches(chunks(d.input), schema, d.skipBad, progress, newBatch)) {
    while (credits.length === 0) await new Promise<void>((r) => (wake = r));
    wake = null;
    batch.write = credits.shift()!;
    const { payload } = batch.encode();
    const m: CsvWorkerMessage = { kind: "batch", rows: batch.rows, lines, payload, ...progress };
    port.postMessage(m, [lines.buffer as ArrayBuffer, payload.buffer as ArrayBuffer]);
    spare.push(batch);
  }
  port.postMessage({ kind: "done", ...progress } satisfies CsvWorkerMessage);
}

/**
 * The input a MiB at a time into one buffer (the reader copies each piece),
 * read in this thread: the pool of threads Node's asynchronous reads use is
 * the main thread's too, busy writing the engine's files, and a read queued
 * behind those writes left the main thread waiting for rows. Memory the
 * worker allocates stays in its own allocator arena after it exits, so it
 * allocates nothing per piece.
 */
function* chunks(path: string): Generator<Uint8Array> {
  const fd = openSync(path, "r");
  const b = new Uint8Array(1 << 20);
  try {
    for (;;) {
      const n = readSync(fd, b, 0, b.length, null);
      if (n === 0) return;
      yield b.subarray(0, n);
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
