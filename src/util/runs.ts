// Items handed on one at a time from runs of them. The read path passes rows
// between its layers in runs, and only the caller's iterator hands out single
// rows: a step of an async generator costs several promises, one of this
// iterator's a single resolved one while its run lasts.
// `open` makes the runs when the first item is asked for, as a generator's
// body would start then (so a check in it fails that call, not this one).
export function flattenRuns<T>(open: () => AsyncGenerator<T[], void, undefined>): AsyncGenerator<T, void, undefined> {
  return new Flattened(open);
}

const DONE: IteratorReturnResult<void> = { done: true, value: undefined };

class Flattened<T> implements AsyncGenerator<T, void, undefined> {
  private run: T[] = [];
  private at = 0;
  private runs: AsyncGenerator<T[], void, undefined> | null = null;
  private ended = false;
  private filling: Promise<IteratorResult<T, void>> | null = null;

  constructor(private readonly open: () => AsyncGenerator<T[], void, undefined>) {}

  next(): Promise<IteratorResult<T, void>> {
    // a call made while a run is being fetched waits for it, as a generator queues its calls
    if (this.filling) return this.filling.then(() => this.next());
    if (this.at < this.run.length) return Promise.resolve({ done: false, value: this.run[this.at++] });
    const f = this.fill();
    this.filling = f;
    const clear = () => void (this.filling = null);
    f.then(clear, clear);
    return f;
  }

  private async fill(): Promise<IteratorResult<T, void>> {
    if (this.ended) return DONE;
    this.runs ??= this.open();
    for (;;) {
      const r = await this.runs.next();
      if (r.done) {
        this.drop();
        return DONE;
      }
      if (r.value.length > 0) {
        this.run = r.value;
        this.at = 1;
        return { done: false, value: r.value[0] };
      }
    }
  }

  // a break or an error in the caller's loop ends the runs too (their reads unpin what they hold)
  async return(): Promise<IteratorResult<T, void>> {
    this.drop();
    await this.runs?.return(undefined);
    return DONE;
  }

  async throw(e: unknown): Promise<IteratorResult<T, void>> {
    this.drop();
    if (!this.runs) throw e;
    await this.runs.throw(e);
    return DONE;
  }

  private drop(): void {
    this.run = [];
    this.at = 0;
    this.ended = true;
  }

  [Symbol.asyncIterator](): AsyncGenerator<T, void, undefined> {
    return this;
  }
}
