// The CQL session: statements parsed once and cached; writes (INSERT,
// UPDATE, DELETE, BATCH) become partition updates at the engine's clock,
// batches (records, columns, a prepared statement's many bind rows) a log
// payload the core encodes (src/batch/); SELECTs are planned and run over a
// pinned read view, whole, streamed or a page at a time.
import { BufferPool } from "../util/bytes.js";
import { StagingArrays } from "../batch/staged-column.js";
import { TableSchema } from "../schema/schema.js";
import { Partition } from "../sstable/model.js";
import { CqliteError, InvalidValueError } from "../errors.js";
import { StatementCache, writeStatement, planSelect, isSelect } from "../cql/execute.js";
import { Params } from "../cql/values.js";
import { runSelect, Page } from "../read/select.js";
import { SelectPlan } from "../read/plan.js";
import { encodePagingState, decodePagingState } from "../read/paging.js";
import { CqlRow } from "../read/materialize.js";
import { encodeKey } from "../schema/keys.js";
import { CqlValue, encodeValue } from "../types/codec.js";
import { EngineClock } from "./clock.js";
import { EncodedMutation } from "./mutation.js";
import { stageRecords, stageColumns, ColumnValues } from "../batch/records.js";
import { planMany, stageMany } from "../batch/prepared.js";
import { Batch, BatchWrite, RowName, located } from "../batch/batch.js";
import { BATCH_MODE_RECORD } from "../../assembly/format/constants.js";
import { ReadSide } from "./reads.js";

/** Rows per page of selectPage unless asked otherwise (the drivers' default fetch size). */
const DEFAULT_PAGE_SIZE = 5000;

export class CqlSession {
  private readonly statements = new StatementCache();
  /** the buffers of batches' log payloads, reused once each write is applied */
  private readonly payloads = new BufferPool();
  /** the arrays batches stage into: each is staged and encoded in one synchronous call */
  private readonly staging = new StagingArrays();

  constructor(
    private readonly schema: TableSchema,
    private readonly reads: ReadSide,
    private readonly write: (updates: Partition[]) => Promise<void>,
    private readonly clock: EngineClock,
    private readonly writeEncoded: (m: EncodedMutation) => Promise<void>,
  ) {}

  async execute(cql: string, params?: Params): Promise<{ rows: CqlRow[] }> {
    const parsed = this.statements.get(cql);
    if (isSelect(parsed)) return { rows: await this.select(cql, params) };
    const updates = writeStatement({ schema: this.schema, timestamp: () => this.clock.nextTimestamp(), nowSeconds: this.clock.nowSeconds() }, parsed, params);
    await this.write(updates);
    return { rows: [] };
  }

  /**
   * A batch staged into the session's kept arrays (fresh ones if another
   * batch holds them) and encoded at once, before anything can await, into
   * a pooled payload buffer.
   */
  private staged(stage: (kept: StagingArrays | undefined) => Batch): EncodedMutation {
    const kept = this.staging.borrow();
    try {
      return stage(kept).encode(this.payloads);
    } finally {
      kept?.giveBack();
    }
  }

  /** Records as one batch the core encodes. */
  async insert(records: Record<string, unknown>[]): Promise<void> {
    if (!Array.isArray(records)) throw new InvalidValueError("insert() takes an array of records");
    if (records.length === 0) return;
    await this.writeEncoded(this.staged((kept) => stageRecords(this.schema, records, this.batchWrite(BATCH_MODE_RECORD, 0, records.length), kept)));
  }

  /** Columns of equal length as one batch; undefined at a row leaves that column out of it. */
  async insertColumns(columns: Record<string, ColumnValues>): Promise<void> {
    const first = columns && typeof columns === "object" ? Object.values(columns)[0] : undefined;
    const rows = first && typeof first.length === "number" ? first.length : 0;
    if (rows === 0) return void stageColumns(this.schema, columns, this.batchWrite(BATCH_MODE_RECORD, 0, 0));
    await this.writeEncoded(this.staged((kept) => stageColumns(this.schema, columns, this.batchWrite(BATCH_MODE_RECORD, 0, rows), kept)));
  }

  /** An empty batch of up to `rows` records, its write times reserved, for a loader that stages values itself (the CLI's CSV load). */
  newBatch(rows: number, rowName: RowName): Batch {
    return new Batch(this.schema, rows, rowName, this.batchWrite(BATCH_MODE_RECORD, 0, rows));
  }

  async writeBatch(batch: Batch): Promise<void> {
    if (batch.rows > 0) await this.writeEncoded(batch.encode(this.payloads));
  }

  /** One prepared write executed once per bind row, all as one durable write. */
  async executeMany(cql: string, rows: Params[]): Promise<void> {
    if (!Array.isArray(rows)) throw new InvalidValueError("executeMany() takes an array of bind rows");
    const parsed = this.statements.get(cql);
    if (isSelect(parsed)) throw new CqliteError("NOT_A_WRITE", "executeMany() takes INSERT, UPDATE, DELETE or BATCH; use select() for SELECT");
    if (rows.length === 0) return;
    const ctx = { schema: this.schema, timestamp: () => this.clock.nextTimestamp(), nowSeconds: this.clock.nowSeconds() };
    const plan = planMany(this.schema, parsed);
    if (plan) return this.writeEncoded(this.staged((kept) => stageMany(ctx, parsed, plan, rows, this.batchWrite(plan.mode, this.schema.options.defaultTimeToLive, rows.length, ctx.nowSeconds), kept)));
    // the host's path, still one log record for every bind row
    const updates: Partition[] = [];
    rows.forEach((params, r) => {
      try {
        for (const p of writeStatement(ctx, parsed, params)) updates.push(p);
      } catch (e) {
        throw located(e, `bind row ${r}`, r);
      }
    });
    await this.write(updates);
  }

  /** The time of a batch's rows: row r is written at the returned timestamp + r. */
  private batchWrite(mode: number, ttl: number, rows: number, nowSeconds = this.clock.nowSeconds()): BatchWrite {
    return { mode, ttl, nowSeconds, timestamp: this.clock.reserveTimestamps(Math.max(rows, 1)) };
  }

  async select(cql: string, params?: Params): Promise<CqlRow[]> {
    return this.collect(this.planned("select", cql, params), null);
  }

  /** A SELECT's rows as they are read, in runs. */
  async *selectRuns(cql: string, params?: Params): AsyncGenerator<CqlRow[]> {
    const plan = this.planned("select", cql, params);
    yield* this.reads.withView((view) => runSelect(view, plan));
  }

  async selectPage(cql: string, params?: Params, options: { pageSize?: number; pagingState?: string | null } = {}): Promise<{ rows: CqlRow[]; pagingState: string | null }> {
    const plan = this.planned("selectPage", cql, params);
    const size = options.pageSize ?? DEFAULT_PAGE_SIZE;
    if (!Number.isInteger(size) || size <= 0) throw new InvalidValueError(`pageSize must be a positive integer, not ${size}`);
    const page: Page = { size, resume: options.pagingState ? decodePagingState(cql, options.pagingState) : null, next: null };
    const rows = await this.collect(plan, page);
    return { rows, pagingState: page.next && encodePagingState(cql, page.next) };
  }

  private planned(caller: string, cql: string, params: Params | undefined): SelectPlan {
    const parsed = this.statements.get(cql);
    if (!isSelect(parsed)) throw new CqliteError("NOT_A_SELECT", `${caller}() takes a SELECT; use execute() for writes`);
    return planSelect(this.schema, parsed, params);
  }

  // the select's runs of rows gathered into one array: no promise per row
  private async collect(plan: SelectPlan, page: Page | null): Promise<CqlRow[]> {
    const out: CqlRow[] = [];
    for await (const run of this.reads.withView((view) => runSelect(view, plan, page))) for (const r of run) out.push(r);
    return out;
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
    for await (const run of this.reads.rows(encodeKey(this.schema, key), slice)) {
      for (const r of run) if (!clustering || Object.entries(clustering).every(([k, v]) => sameValue(r[k], v))) rows.push(r);
    }
    return rows;
  }
}

function sameValue(a: unknown, b: unknown): boolean {
  if (typeof a === "bigint" || typeof b === "bigint") return String(a) === String(b);
  return JSON.stringify(a) === JSON.stringify(b);
}
