// SSTable components read through the storage backend, range by range.
import type { Storage } from "../storage/storage.js";
import { ByteSource } from "../sstable/source.js";

export interface ClosableSource extends ByteSource {
  close(): Promise<void>;
}

export async function storageSource(storage: Storage, name: string): Promise<ClosableSource> {
  const f = await storage.open(name, {});
  const size = await f.size();
  return {
    size,
    read: (offset: number, length: number) => f.read(offset, Math.max(0, Math.min(length, size - offset))),
    close: () => f.close(),
  };
}
