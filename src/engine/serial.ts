// Flushes, compaction steps, export and the adoption of an import change the
// live set of SSTables; they run one at a time, in the order asked, and one
// that fails does not stop the next.
export class SerialQueue {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(f: () => Promise<T>): Promise<T> {
    const run = this.tail.then(f);
    this.tail = run.catch(() => undefined);
    return run;
  }

  /** Resolves once everything queued so far has run. */
  idle(): Promise<unknown> {
    return this.tail;
  }
}
