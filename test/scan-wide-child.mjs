// Reads the one wide partition of the database in argv[2] through the Node
// bundle, in a process whose JS heap is capped by the parent: a LIMIT, a
// COUNT(*), a full scan, the whole partition by its key, and its last rows
// backwards, and one row by its clustering. Prints what it saw and the largest heap it measured.
import { WriteEngine, NodeFileStorage } from "../dist/node.js";
import { oldGenerationUsed } from "./heap-used.mjs";

const [dir, schema] = process.argv.slice(2);
const engine = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema });
let peakHeap = 0;
const sample = () => (peakHeap = Math.max(peakHeap, oldGenerationUsed()));
const limited = await engine.select("SELECT * FROM w LIMIT 10");
const [{ count }] = await engine.select("SELECT COUNT(*) FROM w");
sample();
let scanned = 0;
let wideInOrder = 0;
let bytes = 0;
for await (const r of engine.selectIter("SELECT pk, ck, payload FROM w")) {
  scanned++;
  if (r.pk === 0 && r.ck === wideInOrder) wideInOrder++;
  if (r.pk === 0) bytes += r.payload.length;
  if ((scanned & 1023) === 0) sample();
}
let partitionRows = 0;
let partitionInOrder = true;
for await (const r of engine.selectIter("SELECT ck FROM w WHERE pk = 0")) {
  if (r.ck !== partitionRows) partitionInOrder = false;
  partitionRows++;
  if ((partitionRows & 1023) === 0) sample();
}
const lastFive = (await engine.select("SELECT ck FROM w WHERE pk = 0 ORDER BY ck DESC LIMIT 5")).map((r) => r.ck);
sample();
const oneRow = (await engine.get({ pk: 0 }, { ck: 123457 })).map((r) => [r.pk, r.ck]);
const noRow = (await engine.get({ pk: 0 }, { ck: -1 })).length;
sample();
await engine.close();
console.log(JSON.stringify({ limited: limited.length, count: String(count), scanned, wideInOrder, bytes, partitionRows, partitionInOrder, lastFive, oneRow, noRow, peakHeap }));
