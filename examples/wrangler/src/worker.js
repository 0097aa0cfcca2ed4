// POST /sstables as a Cloudflare Worker (wrangler here, plain workerd in
// examples/workerd/): rows (NDJSON or CSV) in, a zip of Cassandra SSTables
// out, answered in chunks of about 2 MiB of rows (one SSTable generation
// each), so the isolate's memory stays well inside 128 MB whatever the body's
// size. An error in the first chunk is a 4xx; after that it aborts the
// transfer (see README).
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
