// What the CLI load's main thread and its CSV worker (csv-worker.ts) say to
// each other: apart from the worker, whose module starts work when a
// worker thread loads it.
import type { BatchWrite } from "../batch/batch.js";

/** What the main thread starts the worker with. */
export interface CsvWorkerData {
  input: string;
  schema: string;
  skipBad: boolean;
}

/** Batches the worker makes beyond those the main thread has taken: the credits it starts with. */
export const AHEAD = 8;

/** A message from the worker: a batch, the end, or why it stopped. */
export type CsvWorkerMessage =
  | { kind: "batch"; rows: number; lines: Int32Array; payload: Uint8Array; bytesRead: number; skipped: number }
  | { kind: "done"; bytesRead: number; skipped: number }
  | { kind: "bad"; line: number; reason: string }
  | { kind: "error"; code: string | null; message: string };

/** A credit from the main thread: one batch more, to be encoded with this write time. */
export type CsvWorkerCredit = BatchWrite;
