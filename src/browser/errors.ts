// What can fail before a database opens in a page: the worker script or the
// wasm core did not load. Both reach the page as typed errors with the
// browser's own reason, instead of an open that never settles.
import { CqliteError } from "../errors.js";

/** The engine's worker did not start: its script was not found, or failed to evaluate. */
export class WorkerLoadError extends CqliteError {
  constructor(message: string) {
    super("WORKER_LOAD", `the engine's worker did not start: ${message}`);
    this.name = "WorkerLoadError"; // spelled out: a minifying bundler renames classes
  }
}

export { CoreLoadError } from "../errors.js";
