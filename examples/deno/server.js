// POST /sstables on Deno: rows (NDJSON or CSV) in, a streamed zip of
// Cassandra SSTables out. Each request works in its own temporary directory
// through the engine's Deno file storage, removed when the zip is sent.
//   deno run --allow-net --allow-read --allow-write examples/deno/server.js [port] [max body bytes]
import { handleSSTables, DenoFileStorage } from "cqlite-web"; // the deno condition: dist/deno.js

const port = Number(Deno.args[0] ?? 8000);
const maxBodyBytes = Number(Deno.args[1] ?? 256 << 20);

async function scratch() {
  const dir = await Deno.makeTempDir({ prefix: "cqlite-" });
  const storage = await DenoFileStorage.open(dir);
  return {
    storage,
    dispose: async () => {
      await storage.close();
      await Deno.remove(dir, { recursive: true });
    },
  };
}

Deno.serve({ hostname: "127.0.0.1", port, onListen: () => console.log(`listening on http://127.0.0.1:${port}`) }, (req) =>
  handleSSTables(req, { storage: scratch, maxBodyBytes }),
);
