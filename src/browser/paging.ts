// The page's side of selectIter across the boundary: an async iterator that
// asks the worker for a page of rows at a time (cursors.ts), and asks for the
// next page while the caller works through the current one, so the worker's
// reading and the page's work overlap. It holds at most two pages. Breaking
// out of a `for await` loop (or return()) closes the worker's cursor, which
// drops its pin on the SSTables; an iterator dropped without either is closed
// when it is garbage collected.
import type { CqlRow } from "../read/materialize.js";
import type { CursorPage, OpenedCursor } from "./cursors.js";
import { decodeRows } from "./rowset.js";

/** What the iterator needs of the worker: comlink's view of the host's cursor methods. */
export interface CursorRemote {
  nextPage(id: number, pageSize: number): Promise<CursorPage>;
  closeCursor(id: number): Promise<void>;
}

// one registry for every iterator of the page: an unclosed cursor is closed once its iterator is gone
const abandoned = typeof FinalizationRegistry === "undefined" ? null : new FinalizationRegistry<() => void>((close) => close());

export class RemoteRows implements AsyncIterableIterator<CqlRow> {
  private id = 0;
  private rows: CqlRow[] = [];
  private at = 0;
  /** the cursor's opening, until its first page is here */
  private opening: (() => Promise<OpenedCursor>) | null;
  private ahead: Promise<CursorPage> | null = null;
  private finished = false;
  /** pages received so far */
  pages = 0;

  constructor(
    private readonly remote: CursorRemote,
    open: () => Promise<OpenedCursor>,
    private readonly pageSize: number,
  ) {
    this.opening = open;
  }

  private take(page: CursorPage): void {
    this.pages++;
    this.rows = decodeRows(page);
    this.at = 0;
    if (page.done) {
      this.end();
      return;
    }
    this.ahead = this.remote.nextPage(this.id, this.pageSize);
    // a failure is the caller's when it reaches that page, not an unhandled rejection now
    this.ahead.catch(() => undefined);
  }

  private async start(open: () => Promise<OpenedCursor>): Promise<void> {
    this.opening = null;
    let opened: OpenedCursor;
    try {
      opened = await open();
    } catch (e) {
      this.finished = true;
      throw e;
    }
    this.id = opened.id;
    if (this.finished) {
      // returned while it opened
      if (!opened.page.done) await this.remote.closeCursor(this.id);
      return;
    }
    if (!opened.page.done) {
      const { remote, id } = this;
      abandoned?.register(this, () => void remote.closeCursor(id).catch(() => undefined), this);
    }
    this.take(opened.page);
  }

  async next(): Promise<IteratorResult<CqlRow>> {
    if (this.opening) await this.start(this.opening);
    while (this.at >= this.rows.length) {
      if (!this.ahead) return this.end();
      const pending = this.ahead;
      this.ahead = null;
      let page: CursorPage;
      try {
        page = await pending;
      } catch (e) {
        this.end();
        throw e;
      }
      this.take(page);
    }
    return { value: this.rows[this.at++], done: false };
  }

  async return(): Promise<IteratorResult<CqlRow>> {
    this.opening = null;
    const open = !this.finished && this.pages > 0;
    const ahead = this.ahead;
    this.end();
    this.rows = [];
    if (open) {
      // the page asked for ahead is not wanted: the worker finishes it, then the cursor goes
      await ahead?.catch(() => undefined);
      await this.remote.closeCursor(this.id);
    }
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<CqlRow> {
    return this;
  }

  private end(): IteratorResult<CqlRow> {
    if (!this.finished) abandoned?.unregister(this);
    this.finished = true;
    this.ahead = null;
    return { value: undefined, done: true };
  }
}
