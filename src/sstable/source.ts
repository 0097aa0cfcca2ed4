// Where an SSTable's component bytes come from: memory, a file, OPFS. The
// reader asks for ranges; nothing here assumes the whole file fits in memory.
export interface ByteSource {
  readonly size: number;
  read(offset: number, length: number): Promise<Uint8Array>;
  /** As read, into `dest`; resolves to the bytes read. Optional: readers fall back to read(). */
  readInto?(offset: number, dest: Uint8Array): Promise<number>;
}

export class MemorySource implements ByteSource {
  constructor(readonly bytes: Uint8Array) {}
  get size(): number {
    return this.bytes.length;
  }
  async read(offset: number, length: number): Promise<Uint8Array> {
    return this.bytes.subarray(offset, offset + length);
  }
}

/** The components of one SSTable, by component name ("Data.db", ...). */
export type ComponentSources = Map<string, ByteSource>;

export async function readAll(s: ByteSource): Promise<Uint8Array> {
  return s.read(0, s.size);
}
