// Caches shared by every SSTable a database reads, each bounded in bytes:
// decompressed Data.db chunks and the Index.db windows Summary entries start
// (so a hot chunk or window is not read and decompressed again; Cassandra
// leaves both to the OS page cache) and partition keys' Index.db entries (so
// a hot key skips the Summary and the window's search). Keys carry the reader's id, unique per open reader, so
// entries of a closed SSTable are never hit again and simply age out.
import { ByteLru } from "../util/lru.js";
import { IndexEntry } from "./index-file.js";

export const DEFAULT_CHUNK_CACHE_BYTES = 16 << 20;
export const DEFAULT_KEY_CACHE_BYTES = 2 << 20;
/** What a cached index entry costs beyond its key and row index bytes: the objects and the map's entry. */
const KEY_ENTRY_OVERHEAD = 160;

export interface KeyPosition {
  entry: IndexEntry;
  /** where the partition ends in Data.db */
  next: number;
}

export class ReadCaches {
  readonly chunks: ByteLru<number, Uint8Array>;
  readonly keys: ByteLru<number, KeyPosition>;
  private nextId = 1;

  constructor(chunkBytes = DEFAULT_CHUNK_CACHE_BYTES, keyBytes = DEFAULT_KEY_CACHE_BYTES) {
    this.chunks = new ByteLru(chunkBytes);
    this.keys = new ByteLru(keyBytes);
  }

  /** An id for a newly opened reader. */
  readerId(): number {
    return this.nextId++;
  }

  keyWeight(p: KeyPosition): number {
    return 2 * p.entry.key.length + p.entry.promoted.length + KEY_ENTRY_OVERHEAD;
  }
}

// Cache keys: chunk numbers below 2^32 per reader, reader ids below 2^21 (both exact in a double).
export function chunkKey(readerId: number, chunk: number): number {
  return readerId * 4294967296 + chunk;
}

/** An Index.db window's key in the chunk cache (the window a Summary entry starts): negative, apart from every chunk's. */
export function indexWindowKey(readerId: number, summaryEntry: number): number {
  return -(readerId * 4294967296 + summaryEntry) - 1;
}

/**
 * A partition key's cache key: the reader's id over a 32-bit hash of the key
 * (FNV-1a), a number, as cheap to build and look up as a chunk's. Two keys
 * may share one, so a hit counts only if its entry's key is the one asked for.
 */
export function partitionKey(readerId: number, key: Uint8Array): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key[i], 0x01000193);
  return readerId * 4294967296 + (h >>> 0);
}
