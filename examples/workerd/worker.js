// POST /sstables as a Cloudflare Worker: the engine on memory storage, the
// zip streamed back as the export makes it. The body limit bounds memory:
// the SSTables of one request (LZ4-compressed) plus an 8 MiB memtable.
import { handleSSTables, MemoryStorage } from "cqlite-web";

export default {
  fetch(request) {
    return handleSSTables(request, {
      maxBodyBytes: 32 << 20,
      storage: async () => ({ storage: new MemoryStorage(), dispose: async () => {} }),
    });
  },
};
