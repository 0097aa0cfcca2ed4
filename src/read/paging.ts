// Paging as Cassandra's drivers do it: a page of at most `pageSize` rows, and
// an opaque state that resumes the same query after the last row returned.
// The state names that row (partition key and clustering) and what the
// query's limits have counted so far; it is tied to the statement text, so a
// state handed to another query is refused rather than misread.
import { CqliteError } from "../errors.js";
import { fromHex, toHex, utf8, utf8decode } from "../util/bytes.js";
import { crc32 } from "../core/checksum.js";

export class InvalidPagingStateError extends CqliteError {
  constructor(why: string) {
    super("INVALID_PAGING_STATE", `paging state: ${why}`);
  }
}

/** Where a page ended: the last row returned, and the counts the limits need. */
export interface PagePosition {
  key: Uint8Array;
  token: bigint;
  /** the last row's clustering values (empty bytes for null) */
  clustering: Uint8Array[];
  /** rows returned by every page so far (LIMIT) */
  returned: number;
  /** rows returned of the last row's partition (PER PARTITION LIMIT) */
  inPartition: number;
}

const VERSION = 1;

function statementTag(cql: string): number {
  return crc32(utf8(cql));
}

export function encodePagingState(cql: string, p: PagePosition): string {
  const body = JSON.stringify({ v: VERSION, q: statementTag(cql), k: toHex(p.key), t: String(p.token), c: p.clustering.map(toHex), n: p.returned, p: p.inPartition });
  return btoa(body).replace(/=+$/, "");
}

export function decodePagingState(cql: string, state: string): PagePosition {
  let o: { v: number; q: number; k: string; t: string; c: string[]; n: number; p: number };
  try {
    o = JSON.parse(utf8decode(Uint8Array.from(atob(state), (ch) => ch.charCodeAt(0))));
  } catch {
    throw new InvalidPagingStateError("not a state this engine returned");
  }
  if (!o || o.v !== VERSION || typeof o.k !== "string" || !Array.isArray(o.c) || !Number.isInteger(o.n) || !Number.isInteger(o.p))
    throw new InvalidPagingStateError("not a state this engine returned");
  if (o.q !== statementTag(cql)) throw new InvalidPagingStateError("it was returned for another statement");
  try {
    return { key: fromHex(o.k), token: BigInt(o.t), clustering: o.c.map(fromHex), returned: o.n, inPartition: o.p };
  } catch {
    throw new InvalidPagingStateError("not a state this engine returned");
  }
}
