// A streaming zip writer over fflate: files go in chunk by chunk and the zip
// comes out chunk by chunk, so an export never holds the dataset in memory.
// SSTables are already compressed (or incompressible data files), so entries
// are stored, not deflated.
import { Zip, ZipPassThrough } from "fflate";
import { crc32 } from "../core/checksum.js";

/**
 * A stored entry whose CRC-32 the core computes: fflate's is a byte loop in
 * JavaScript, a tenth of a second of a million-row export's 34 MB. push() is
 * fflate's but for the sum; process() passes the bytes on as fflate's does.
 */
class StoredEntry extends ZipPassThrough {
  private sum = 0;
  override push(chunk: Uint8Array, final = false): void {
    this.sum = crc32(chunk, this.sum);
    this.size += chunk.length;
    if (final) this.crc = this.sum;
    this.process(chunk as Uint8Array<ArrayBuffer>, final);
  }
}

export type ChunkSink = (chunk: Uint8Array, final: boolean) => void | Promise<void>;

export class ZipStream {
  private readonly zip: Zip;
  private pending: Promise<void> = Promise.resolve();
  private error: unknown = null;
  bytes = 0;

  constructor(sink: ChunkSink) {
    this.zip = new Zip((err, chunk, final) => {
      if (err) {
        this.error = err;
        return;
      }
      this.bytes += chunk.length;
      this.pending = this.pending.then(() => sink(chunk, final));
    });
  }

  /** Adds one file, its bytes produced by `read` in order; resolves when written out. */
  async addFile(name: string, chunks: AsyncIterable<Uint8Array>): Promise<void> {
    const entry = new StoredEntry(name);
    entry.mtime = new Date("2024-01-01T00:00:00Z");
    this.zip.add(entry);
    let last: Uint8Array | null = null;
    for await (const c of chunks) {
      if (last) entry.push(last, false);
      last = c;
      await this.pending; // backpressure: let the sink drain before reading more
      if (this.error) throw this.error;
    }
    entry.push(last ?? new Uint8Array(0), true);
    await this.pending;
    if (this.error) throw this.error;
  }

  async end(): Promise<void> {
    this.zip.end();
    await this.pending;
    if (this.error) throw this.error;
  }
}
