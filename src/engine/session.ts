// The CQL session: statements parsed once and cached; writes (INSERT,
// UPDATE, DELETE, BATCH, plain records) become partition updates at the
// engine's clock, SELECTs are planned and run over a pinned read view, whole,
// streamed or a page at a time.
import { TableSchema } from "../schema/schema.js";
import { Partition } from "../sstable/model.js";
import { CqliteError, InvalidValueError } from "../errors.js";
import { StatementCache, writeStatement, planSelect, isSelect } from "../cql/execute.js";
import { Params } from "../cql/values.js";
import { recordToPartition } from "../cql/records.js";
import { runSelect, Page } from "../read/select.js";
import { encodePagingState, decodePagingState } from "../read/paging.js";
import { CqlRow } from "../read/materialize.js";
import { encodeKey } from "../schema/keys.js";
import { CqlValue, encodeValue } from "../types/codec.js";
import { EngineClock } from "./clock.js";
import { ReadSide } from "./reads.js";

/** Rows per page of selectPage unless asked otherwise (the drivers' default fetch size). */
const DEFAULT_PAGE_SIZE = 5000;

export class CqlSession {
  private readonly statements = new StatementCache();

  constructor(
    private readonly schema: TableSchema,
    private readonly reads: ReadSide,
    private readonly write: (updates: Partition[]) => Promise<void>,
    private readonly clock: EngineClock,
  ) {}

  async execute(cql: string, params?: Params): Promise<{ rows: CqlRow[] }> {
    const parsed = this.statements.get(cql);
    if (isSelect(parsed)) return { rows: await this.select(cql, params) };
    const updates = writeStatement({ schema: this.schema, timestamp: () => this.clock.nextTimestamp(), nowSeconds: this.clock.nowSeconds() }, parsed, params);
    await this.write(updates);
    return { rows: [] };
  }

  insert(records: Record<string, unknown>[]): Promise<void> {
    const now = this.clock.nowSeconds();
    return this.write(records.map((r) => recordToPartition(this.schema, r, this.clock.nextTimestamp(), now)));
  }

  async select(cql: string, params?: Params): Promise<CqlRow[]> {
    const out: CqlRow[] = [];
    for await (const r of this.selectIter(cql, params)) out.push(r);
    return out;
  }

  async *selectIter(cql: string, params?: Params): AsyncGenerator<CqlRow> {
    const parsed = this.statements.get(cql);
    if (!isSelect(parsed)) throw new CqliteError("NOT_A_SELECT", "select() takes a SELECT; use execute() for writes");
    const plan = planSelect(this.schema, parsed, params);
    yield* this.reads.withView((view) => runSelect(view, plan));
  }

  async selectPage(cql: string, params?: Params, options: { pageSize?: number; pagingState?: string | null } = {}): Promise<{ rows: CqlRow[]; pagingState: string | null }> {
    const parsed = this.statements.get(cql);
    if (!isSelect(parsed)) throw new CqliteError("NOT_A_SELECT", "selectPage() takes a SELECT; use execute() for writes");
    const size = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size <= 0) throw new InvalidValueError(`pageSize must be a positive integer, not ${size}`);
    const plan = planSelect(this.schema, parsed, params);
    const page: Page = { size, resume: options.pagingState ? decodePagingState(cql, options.pagingState) : null, next: null };
    const rows: CqlRow[] = [];
    for await (const r of this.reads.withView((view) => runSelect(view, plan, page))) rows.push(r);
    return { rows, pagingState: page.next && encodePagingState(cql, page.next) };
  }

  /** CQL rows of one partition (optionally one clustering) by column values. */
  async get(key: Record<string, CqlValue>, clustering?: Record<string, CqlValue>): Promise<CqlRow[]> {
    // the clustering values given from the first column on pick the blocks read; every value given filters
    const prefix: Uint8Array[] = [];
    for (const c of this.schema.clustering) {
      if (!clustering || !(c.name in clustering)) break;
      prefix.push(encodeValue(c.type, clustering[c.name]));
    }
    const slice = prefix.length ? [{ lo: prefix, hi: prefix }] : null;
    const rows: CqlRow[] = [];
    for await (const r of this.reads.rows(encodeKey(this.schema, key), slice)) {
      if (!clustering || Object.entries(clustering).every(([k, v]) => sameValue(r[k], v))) rows.push(r);
    }
    return rows;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}
