// Scans the database in argv[2] through the Node bundle, in a process whose
// JS heap is capped by the parent: a LIMIT, a COUNT(*) and every row through
// selectIter. Prints what it saw and the largest heap it measured.
import { WriteEngine, NodeFileStorage } from "../dist/node.js";
import { oldGenerationUsed } from "./heap-used.mjs";

const [dir, schema] = process.argv.slice(2);
const engine = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema });
let peakHeap = 0;
const sample = () => (peakHeap = Math.max(peakHeap, oldGenerationUsed()));
const limited = await engine.select("SELECT * FROM t LIMIT 10");
const [{ count }] = await engine.select("SELECT COUNT(*) FROM t");
let rows = 0;
let bytes = 0;
const ids = new Uint8Array(Number(count));
for await (const r of engine.selectIter("SELECT id, payload FROM t")) {
  rows++;
  bytes += r.payload.length;
  ids[r.id] = 1;
  if ((rows & 1023) === 0) sample();
}
sample();
await engine.close();
console.log(JSON.stringify({ limited: limited.length, count: String(count), rows, distinct: ids.reduce((n, b) => n + b, 0), bytes, peakHeap }));
