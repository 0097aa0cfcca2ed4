// Text records, line by line from a byte stream: NDJSON (one JSON object per
// line) or CSV (RFC 4180: a header row, quoted fields with doubled quotes,
// commas and line breaks inside quotes): the one CSV parser, for request
// bodies at the edge and files the CLI loads. Bytes are counted as they
// arrive, so a body over the limit stops at the limit, whatever
// Content-Length claimed.
import { CqliteError } from "../errors.js";

export class BodyTooLargeError extends CqliteError {
  constructor(limit: number) {
    super("BODY_TOO_LARGE", `the request body is over the limit of ${limit} bytes`);
  }
}

export class BadRecordError extends CqliteError {
  constructor(readonly line: number, readonly reason: string) {
    super("BAD_ROW", `line ${line}: ${reason}`);
  }
}

export interface NumberedRecord {
  line: number;
  record: Record<string, unknown>;
}

async function* lines(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<string> {
  const decoder = new TextDecoder();
  const reader = body.getReader();
  let seen = 0;
  let rest = "";
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      seen += value.length;
      if (seen > maxBytes) throw new BodyTooLargeError(maxBytes);
      rest += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = rest.indexOf("\n")) >= 0) {
        yield rest.slice(0, nl).replace(/\r$/, "");
        rest = rest.slice(nl + 1);
      }
    }
    rest += decoder.decode();
    if (rest.length) yield rest.replace(/\r$/, "");
  } finally {
    reader.releaseLock();
  }
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

/** Splits one CSV record; returns null while a quoted field is still open (the record continues on the next line). */
export function splitCsv(text: string): string[] | null {
  const out: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false;
  while (i <= text.length) {
    const c = text[i];
    if (quoted) {
      if (c === undefined) return null;
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
      } else field += c;
      i++;
      continue;
    }
    if (c === undefined || c === ",") {
      out.push(field);
      field = "";
      i++;
      continue;
    }
    if (c === '"' && field === "") quoted = true;
    else field += c;
    i++;
  }
  return out;
}

/** CSV with a header row naming the columns; an empty unquoted field is null. */
export async function* csvRecords(body: ReadableStream<Uint8Array>, maxBytes: number): AsyncGenerator<NumberedRecord> {
  let header: string[] | null = null;
  let line = 0;
  let pending = "";
  let startLine = 0;
  for await (const text of lines(body, maxBytes)) {
    line++;
    if (!pending && !text.trim()) continue;
    if (!pending) startLine = line;
    const joined = pending ? `${pending}\n${text}` : text;
    const fields = splitCsv(joined);
    if (!fields) {
      pending = joined;
      continue;
    }
    pending = "";
    if (!header) {
      header = fields.map((f) => f.trim());
      continue;
    }
    if (fields.length !== header.length) throw new BadRecordError(startLine, `${fields.length} fields, the header has ${header.length}`);
    const record: Record<string, unknown> = {};
    header.forEach((h, k) => (record[h] = fields[k] === "" ? null : fields[k]));
    yield { line: startLine, record };
  }
  if (pending) throw new BadRecordError(startLine, "a quoted field is never closed");
}
