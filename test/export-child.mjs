// Exports the database in argv[2] to the zip file argv[3] through the Node
// bundle, in a process whose JS heap is capped by the parent; prints the report.
import { createWriteStream } from "node:fs";
import { WriteEngine, NodeFileStorage } from "../dist/node.js";
import { oldGenerationUsed } from "./heap-used.mjs";

const [dir, out, schema] = process.argv.slice(2);
const engine = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema });
const file = createWriteStream(out);
let peakHeap = 0;
const report = await engine.exportSSTable({
  zip: (chunk) => new Promise((resolve, reject) => {
    peakHeap = Math.max(peakHeap, oldGenerationUsed());
    file.write(chunk, (e) => (e ? reject(e) : resolve()));
  }),
});
await new Promise((r) => file.end(r));
await engine.close();
console.log(JSON.stringify({ rows: report.rows, partitions: report.partitions, zipBytes: report.zipBytes, validated: report.validated, peakHeap }));
