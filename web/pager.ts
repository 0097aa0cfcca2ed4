// The console's pages of a SELECT: one page in memory at a time, fetched
// with the engine's selectPage. Going forward passes the paging state the
// last page returned; going back re-reads a page from the state that started
// it, so what the page keeps is one short string per page visited, never the
// rows of the pages before.
import type { CqlRow } from "../src/read/materialize.js";

export type FetchPage = (pagingState: string | null) => Promise<{ rows: CqlRow[]; pagingState: string | null }>;

export interface ShownPage {
  rows: CqlRow[];
  /** 1-based: the page's number and its first row's number in the whole result */
  number: number;
  firstRow: number;
  /** another page may follow (the last state was not null) */
  more: boolean;
}

export class ResultPager {
  /** starts[i] is the paging state that reads page i + 1 (null for the first) */
  private starts: (string | null)[] = [null];
  private index = 0;
  private next: string | null = null;

  constructor(
    private readonly fetch: FetchPage,
    readonly pageSize: number,
  ) {}

  first(): Promise<ShownPage> {
    return this.show(0);
  }

  get hasNext(): boolean {
    return this.next !== null;
  }

  get hasPrevious(): boolean {
    return this.index > 0;
  }

  forward(): Promise<ShownPage> {
    if (this.next === null) throw new RangeError("this is the last page");
    this.starts[this.index + 1] = this.next;
    return this.show(this.index + 1);
  }

  back(): Promise<ShownPage> {
    if (this.index === 0) throw new RangeError("this is the first page");
    return this.show(this.index - 1);
  }

  private async show(i: number): Promise<ShownPage> {
    const { rows, pagingState } = await this.fetch(this.starts[i]);
    this.index = i;
    this.next = pagingState;
    this.starts.length = i + 1;
    // every page before a state-bearing one is full, so the row numbers follow from the page's
    return { rows, number: i + 1, firstRow: i * this.pageSize + 1, more: pagingState !== null };
  }
}
