// SSTable components read through the storage backend, range by range.
import type { Storage } from "../storage/storage.js";
import { ByteSource } from "./source.js";

export interface ClosableSource extends ByteSource {
  close(): Promise<void>;
}

export async function storageSource(storage: Storage, name: string): Promise<ClosableSource> {
  const f = await storage.open(name, {});
  let size: number;
  try {
    size = await f.size();
  } catch (e) {
    await f.close(); // an open handle would keep the file from being deleted
    throw e;
  }
  return {
    size,
    read: (offset: number, length: number) => f.read(offset, Math.max(0, Math.min(length, size - offset))),
    close: () => f.close(),
  };
}
