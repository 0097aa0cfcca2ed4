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

/**
 * Rows of the first page at most: the first row should come as soon as a
 * LIMIT's would, whatever the page size. Pages then grow fourfold up to it.
 */
export const FIRST_PAGE_ROWS = 32;

// one registry for every iterator of the page: an unclosed cursor is closed once its iterator is gone
const abandoned = typeof FinalizationRegistry === "undefined" ? null : new FinalizationRegistry<() => void>((close) => close());

export class RemoteRows implements AsyncIterableIterator<CqlRow> {
  private id = 0;
  private rows: CqlRow[] = [];
  private at = 0;
  private ahead: Promise<CursorPage> | null = null;
  private finished = false;
  /** pages received so far */
  pages = 0;
  /** rows the next page asks for: they grow from the first page's to pageSize */
  private asking: number;

  /** `open` opens the worker's cursor with a first page of the size it is given */
  constructor(
    private readonly remote: CursorRemote,
    private open: ((firstPage: number) => Promise<OpenedCursor>) | null,
    private readonly pageSize: number,
  ) {
    this.asking = Math.min(pageSize, FIRST_PAGE_ROWS);
  }

  private take(page: CursorPage): void {
    this.pages++;
    this.rows = decodeRows(page);
    this.at = 0;
    if (page.done) {
      this.end();
      return;
    }
    this.asking = Math.min(this.pageSize, this.asking * 4);
    this.ahead = this.remote.nextPage(this.id, this.asking);
    // a failure is the caller's when it reaches that page, not an unhandled rejection now
    this.ahead.catch(() => undefined);
  }

  private async start(open: (firstPage: number) => Promise<OpenedCursor>): Promise<void> {
    this.open = null;
    let opened: OpenedCursor;
    try {
      opened = await open(this.asking);
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
    if (this.open) await this.start(this.open);
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
    this.open = null;
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
