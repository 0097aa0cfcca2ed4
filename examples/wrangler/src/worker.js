// POST /sstables: rows (NDJSON or CSV) in, a zip of Cassandra SSTables out,
// answered in chunks of about 2 MiB of rows (one SSTable generation each), so
// the isolate's memory stays bounded whatever the body's size.
import { handleSSTables, MemoryStorage } from "cqlite-web";

export default {
  fetch(request) {
    return handleSSTables(request, {
      maxBodyBytes: 100 << 20, // Cloudflare's own request body limit on most plans
      chunkBytes: 2 << 20,
      storage: async () => ({ storage: new MemoryStorage(), dispose: async () => {} }),
    });
  },
};
