// POST /sstables as a Cloudflare Worker: the engine on memory storage, in
// chunks of about 2 MiB of rows, each chunk an SSTable generation of its own
// that is zipped out and dropped before the next, so the isolate's memory
// stays bounded (well inside 128 MB) whatever the request's size. An error in
// the first chunk is a 4xx; after that it aborts the transfer (see README).
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
