// Text records, line by line from a byte stream: NDJSON (one JSON object per
// line) or CSV (src/tools/csv.ts, the one CSV reader), for request bodies at
// the edge and files the CLI loads. Bytes are counted as they arrive, so a
// body over the limit stops at the limit, whatever Content-Length claimed.
import { BodyTooLargeError, BadRecordError } from "./record-errors.js";
import { CsvReader } from "./csv.js";

export { BodyTooLargeError, BadRecordError };

export interface NumberedRecord {
  line: number;
  record: Record<string, unknown>;
}

/** The body's chunks, failing once more than `maxBytes` arrived. */
async function* bytes(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let seen = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      seen += value.length;
      if (seen > maxBytes) throw new BodyTooLargeError(maxBytes);
      yield value;
    }
  } finally {
    reader.releaseLock();
  }
}

async function* lines(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  let rest = "";
  for await (const value of bytes(body, maxBytes)) {
    rest += decoder.decode(value, { stream: true });
    let nl: number;
    while ((nl = rest.indexOf("\n")) >= 0) {
      yield rest.slice(0, nl).replace(/\r$/, "");
      rest = rest.slice(nl + 1);
    }
  }
  rest += decoder.decode();
  if (rest.length) yield rest.replace(/\r$/, "");
}

export async function* ndjsonRecords(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<NumberedRecord> {
  let line = 0;
  for await (const text of lines(body, maxBytes)) {
    line++;
    if (!text.trim()) continue;
    let r: unknown;
    try {
      r = JSON.parse(text);
    } catch (e) {
      throw new BadRecordError(line, `not JSON (${(e as Error).message})`);
    }
    if (typeof r !== "object" || r === null || Array.isArray(r)) throw new BadRecordError(line, "not a JSON object");
    yield { line, record: r as Record<string, unknown> };
  }
}

/** CSV with a header row naming the columns (src/tools/csv.ts); an empty field is null. */
export async function* csvRecords(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<NumberedRecord> {
  const csv = new CsvReader();
  const records = function* (): Generator<NumberedRecord> {
    while (csv.next()) {
      const record: Record<string, unknown> = {};
      const names = csv.header!;
      for (let k = 0; k < names.length; k++) record[names[k]] = csv.empty(k) ? null : csv.text(k);
      yield { line: csv.line, record };
    }
  };
  for await (const chunk of bytes(body, maxBytes)) {
    csv.feed(chunk);
    yield* records();
  }
  csv.finish();
  yield* records();
}
