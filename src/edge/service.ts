// POST /sstables: rows in, a zip of Cassandra SSTables out, for any runtime
// with fetch-style Request and Response (Deno, Cloudflare Workers, Node 18+).
//
//   POST /sstables?format=nb|md|me|oa
//   x-cql-schema: CREATE TABLE ks.t (...)      (URL-encoded if it spans lines)
//   content-type: application/x-ndjson | text/csv
//
// Two ways to answer, by `chunkBytes`:
// - whole (the default): every row goes into the engine before a byte of the
//   answer is sent, so a bad schema, a bad row or an oversized body is a 4xx
//   JSON error and never a zip cut short; the rows come back as one SSTable.
//   Memory (or scratch storage) grows with the request.
// - chunked (`chunkBytes` set, for a Worker's 128 MB): rows are cut into
//   chunks of about `chunkBytes` of memtable; each chunk becomes an SSTable
//   generation of its own (1, 2, ...) that is zipped out and dropped before
//   the next, so memory stays bounded whatever the request's size. Errors in
//   the first chunk are still 4xx; once the first SSTable has been sent the
//   status is 200 and a later error aborts the transfer, so the client sees a
//   failed download (no central directory, no complete zip), never success.
import { WriteEngine } from "../engine/engine.js";
import { rowOf } from "../batch/batch.js";
import { parseTable } from "../cql/ddl.js";
import { schemaCql } from "../schema/cql.js";
import { CqliteError } from "../errors.js";
import type { Storage } from "../storage/storage.js";
import { FormatVersion, WRITABLE } from "../sstable/version.js";
import { ndjsonRecords, csvRecords, BadRecordError, BodyTooLargeError, NumberedRecord } from "../tools/records.js";
import { ZipStream } from "../export/zip.js";
import { readChunks, tableDirectory } from "../export/export.js";

export interface ServiceOptions {
  /** a fresh, empty storage for one request, and how to dispose of it afterwards */
  storage: () => Promise<{ storage: Storage; dispose(): Promise<void> }>;
  /** the largest body accepted (default 64 MiB) */
  maxBodyBytes?: number;
  /** memtable flush threshold: bounds the rows held unflushed (default 8 MiB) */
  flushThresholdBytes?: number;
  /** answer in chunks of about this much memtable each, one SSTable per chunk (see above) */
  chunkBytes?: number;
}

const BATCH = 1000;

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/**
 * Reads and drops what is left of a refused body (up to `cap` bytes): some
 * servers (workerd) cut the connection under a client still sending, which
 * then never sees the 413.
 */
async function drain(body: ReadableStream<Uint8Array> | null, cap: number): Promise<void> {
  if (!body || body.locked) return;
  const r = body.getReader();
  let n = 0;
  try {
    for (;;) {
      const { done, value } = await r.read();
      if (done || (n += value.length) > cap) break;
    }
  } finally {
    await r.cancel().catch(() => undefined);
  }
}

/** Inserts a batch (one core-encoded write); a bad row is a BadRecordError naming its line, and nothing of the batch is in. */
async function insertBatch(engine: WriteEngine, batch: NumberedRecord[]): Promise<void> {
  try {
    await engine.insert(batch.map((r) => r.record));
  } catch (e) {
    // the error names the batch row: say its line instead
    const row = rowOf(e);
    if (row === undefined || !batch[row]) throw e;
    throw new BadRecordError(batch[row].line, (e as Error).message.replace(`records[${row}]: `, ""));
  }
}

function errorResponse(e: unknown): Response {
  if (e instanceof BodyTooLargeError) return fail(413, e);
  if (e instanceof CqliteError) return fail(400, e);
  return fail(500, e);
}

/** The 200 whose body is the zip as it streams out. */
function zipResponse(body: ReadableStream<Uint8Array>, t: { keyspace: string; name: string }): Response {
  return new Response(body, {
    status: 200,
    headers: { "content-type": "application/zip", "content-disposition": `attachment; filename="${t.keyspace}-${t.name}.zip"` },
  });
}

function fail(status: number, e: unknown): Response {
  const err = e as { code?: string; message?: string; line?: number };
  return json(status, { error: err.message ?? String(e), code: err.code ?? "ERROR", ...(err.line ? { line: err.line } : {}) });
}

/**
 * `POST /sstables`: rows in the body (NDJSON, or CSV with a header row), the
 * table's CREATE TABLE in the `x-cql-schema` header (URI-encoded), a zip of
 * Cassandra SSTables (Cassandra's layout plus schema.cql) out, streamed.
 * `?format=md` writes Cassandra 3.11's format. Errors before the first zip
 * byte are 4xx JSON `{ error, code, line? }`. Runs wherever `Request` and
 * `Response` exist: Workers, Deno, Node, a service worker.
 */
export async function handleSSTables(request: Request, options: ServiceOptions): Promise<Response> {
  const url = new URL(request.url);
  if (url.pathname !== "/sstables") return json(404, { error: "not found: POST /sstables", code: "NOT_FOUND" });
  if (request.method !== "POST") return json(405, { error: "use POST", code: "METHOD" });
  const max = options.maxBodyBytes ?? 64 << 20;
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > max) {
    await drain(request.body, 4 * max);
    return fail(413, new BodyTooLargeError(max));
  }
  const format = (url.searchParams.get("format") ?? "nb") as FormatVersion;
  if (!WRITABLE.includes(format)) return json(400, { error: `format '${format}': one of ${WRITABLE.join(", ")}`, code: "BAD_FORMAT" });
  const schemaText = request.headers.get("x-cql-schema");
  if (!schemaText) return json(400, { error: "missing header x-cql-schema (the CREATE TABLE)", code: "NO_SCHEMA" });
  let schema: string;
  try {
    schema = decodeURIComponent(schemaText);
    parseTable(schema);
  } catch (e) {
    return fail(400, e);
  }
  const type = request.headers.get("content-type") ?? "";
  const csv = /\btext\/csv\b/.test(type);
  if (!csv && !/ndjson|jsonl|json-seq/.test(type)) return json(415, { error: "content-type: application/x-ndjson or text/csv", code: "MEDIA_TYPE" });
  if (!request.body) return json(400, { error: "empty body", code: "EMPTY" });
  const records: AsyncGenerator<NumberedRecord> = csv ? csvRecords(request.body, max) : ndjsonRecords(request.body, max);
  if (options.chunkBytes) return chunked(request, records, schema, format, max, options);

  const { storage, dispose } = await options.storage();
  let engine: WriteEngine | null = null;
  try {
    engine = await WriteEngine.open({ storage, schema, format, walSync: "none", durableWrites: false, flushThresholdBytes: options.flushThresholdBytes ?? 8 << 20 });
    let batch: NumberedRecord[] = [];
    let rows = 0;
    const put = async () => {
      await insertBatch(engine!, batch);
      rows += batch.length;
      batch = [];
    };
    for await (const r of records) {
      batch.push(r);
      if (batch.length >= BATCH) await put();
    }
    if (batch.length) await put();
    if (rows === 0) throw new BadRecordError(0, "no rows");
  } catch (e) {
    await engine?.close().catch(() => undefined);
    await dispose();
    if (e instanceof BodyTooLargeError) await drain(request.body, 4 * max);
    return errorResponse(e);
  }
  const t = parseTable(schema);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  const e = engine;
  (async () => {
    try {
      await e.exportSSTable({ version: format, zip: async (chunk) => {
        await writer.ready;
        await writer.write(chunk);
      } });
      await writer.close();
    } catch (err) {
      // the client sees a broken transfer, never a short zip passed off as whole
      await writer.abort(err).catch(() => undefined);
    } finally {
      await e.close().catch(() => undefined);
      await dispose();
    }
  })();
  return zipResponse(readable, t);
}

/**
 * The chunked answer: one engine per chunk on fresh storage, exported as
 * SSTable generation k of the table and zipped out, then dropped. One clock
 * for all chunks, so a row repeated in a later chunk carries the later
 * timestamp and wins in Cassandra as it would have in one engine.
 */
async function chunked(request: Request, records: AsyncGenerator<NumberedRecord>, schema: string, format: FormatVersion, max: number, options: ServiceOptions): Promise<Response> {
  const t = parseTable(schema);
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  let answer!: (r: Response) => void;
  const answered = new Promise<Response>((resolve) => (answer = resolve));
  let started = false;
  const zip = new ZipStream(async (chunk) => {
    if (!started) {
      started = true;
      answer(zipResponse(readable, t));
    }
    await writer.ready;
    await writer.write(chunk);
  });
  let last = 0n;
  const clock = () => {
    const now = BigInt(Date.now()) * 1000n;
    last = now > last ? now : last + 1n;
    return last;
  };
  let current: { engine: WriteEngine; storage: Storage; dispose(): Promise<void> } | null = null;
  const close = async () => {
    const c = current;
    current = null;
    await c?.engine.close().catch(() => undefined);
    await c?.dispose();
  };
  let generation = 0;
  const emit = async (final: boolean) => {
    const c = current!;
    const report = await c.engine.exportSSTable({ version: format, generation: ++generation });
    for (const f of report.files) {
      if (f.name.endsWith("/schema.cql") && !final) continue; // once, with the last SSTable
      await zip.addFile(f.name, readChunks(c.storage, `export/${f.name}`));
    }
    await close();
  };
  (async () => {
    try {
      let rows = 0;
      let batch: NumberedRecord[] = [];
      const put = async () => {
        if (!current) {
          const s = await options.storage();
          current = { ...s, engine: await WriteEngine.open({ storage: s.storage, schema, format, walSync: "none", durableWrites: false, flushThresholdBytes: 1 << 30, clock }) };
        }
        await insertBatch(current.engine, batch);
        rows += batch.length;
        batch = [];
        if (current.engine.memtableSize >= options.chunkBytes!) await emit(false);
      };
      for await (const r of records) {
        batch.push(r);
        if (batch.length >= BATCH) await put();
      }
      if (batch.length) await put();
      if (rows === 0) throw new BadRecordError(0, "no rows");
      if (current) await emit(true);
      else {
        // the rows ended exactly at a chunk: the schema still goes in
        const text = new TextEncoder().encode(schemaCql(t));
        await zip.addFile(`${tableDirectory(t.keyspace, t.name, t.id)}/schema.cql`, (async function* () {
          yield text;
        })());
      }
      await zip.end();
      await writer.close();
    } catch (e) {
      await close();
      if (!started) {
        if (e instanceof BodyTooLargeError) await drain(request.body, 4 * max);
        answer(errorResponse(e));
      } else await writer.abort(e).catch(() => undefined); // a broken transfer, never a short zip passed off as whole
    }
  })();
  return answered;
}
