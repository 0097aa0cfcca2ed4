// The worker's side of selectIter across the boundary: each open cursor is
// an engine iterator (which pins the version it started on) parked between
// pages under a number the page holds. A page is at most `pageSize` rows,
// pulled when the page asks for it, so the worker holds one page and the
// iterator's own bounded windows per cursor, and the number of cursors is
// bounded too. A cursor ends (and its pin drops) when its rows run out, when
// the page closes it (a `break` out of the loop, or the page's iterator
// collected unclosed), or when the database closes.
import { CqliteError } from "../errors.js";
import type { CqlRow } from "../read/materialize.js";
import { encodeRows, RowSet } from "./rowset.js";

/** Cursors one worker keeps open at once unless configured otherwise. */
export const DEFAULT_MAX_CURSORS = 64;
/** Rows per page crossing the boundary unless the caller asks otherwise. */
export const DEFAULT_CURSOR_PAGE = 1000;
/** The most rows one page may carry, whatever is asked: what the worker holds per request. */
export const MAX_CURSOR_PAGE = 100_000;

export class CursorClosedError extends CqliteError {
  constructor(id: number) {
    super("CURSOR_CLOSED", `cursor ${id} is not open: its rows ran out, it was closed, or the database closed`);
  }
}

export class TooManyCursorsError extends CqliteError {
  constructor(max: number) {
    super("TOO_MANY_CURSORS", `${max} cursors are open in this worker: finish or break out of a selectIter loop before starting another`);
  }
}

export class InvalidPageSizeError extends CqliteError {
  constructor(size: unknown) {
    super("INVALID_PAGE_SIZE", `pageSize must be a whole number from 1 to ${MAX_CURSOR_PAGE}, not ${String(size)}`);
  }
}

/** A page of a cursor: its rows, and whether they are the last (the cursor is then closed). */
export interface CursorPage extends RowSet {
  done: boolean;
}

/** A cursor just opened: its number (meaningless once `page.done`) and its first page. */
export interface OpenedCursor {
  id: number;
  page: CursorPage;
}

export function checkPageSize(size: unknown): number {
  if (!Number.isInteger(size) || (size as number) < 1 || (size as number) > MAX_CURSOR_PAGE) throw new InvalidPageSizeError(size);
  return size as number;
}

export class CursorTable {
  private readonly open = new Map<number, AsyncIterator<CqlRow>>();
  private nextId = 1;

  constructor(private readonly max = DEFAULT_MAX_CURSORS) {}

  get size(): number {
    return this.open.size;
  }

  /** Registers `rows` and reads its first page; a result that fits in it leaves no cursor behind. */
  async start(rows: () => AsyncIterator<CqlRow>, pageSize: number): Promise<OpenedCursor> {
    checkPageSize(pageSize);
    if (this.open.size >= this.max) throw new TooManyCursorsError(this.max);
    const id = this.nextId++;
    this.open.set(id, rows());
    return { id, page: await this.next(id, pageSize) };
  }

  /** The next page of cursor `id`. */
  async next(id: number, pageSize: number): Promise<CursorPage> {
    checkPageSize(pageSize);
    const it = this.open.get(id);
    if (!it) throw new CursorClosedError(id);
    const rows: CqlRow[] = [];
    let done = false;
    try {
      while (rows.length < pageSize) {
        const r = await it.next();
        if (r.done) {
          done = true;
          break;
        }
        rows.push(r.value);
      }
    } catch (e) {
      this.open.delete(id);
      await it.return?.().catch(() => undefined);
      throw e;
    }
    if (done) this.open.delete(id);
    return { ...encodeRows(rows), done };
  }

  /** Ends cursor `id`, releasing what its iterator holds; closing one already ended does nothing. */
  async close(id: number): Promise<void> {
    const it = this.open.get(id);
    if (!it) return;
    this.open.delete(id);
    await it.return?.();
  }

  async closeAll(): Promise<void> {
    const all = [...this.open.keys()];
    for (const id of all) await this.close(id).catch(() => undefined);
  }
}
