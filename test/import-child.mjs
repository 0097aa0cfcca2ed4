// Imports into the database in argv[3] through the Node bundle, in a process
// whose JS heap is capped by the parent; prints what it measured as JSON.
//   zip <db> <schema> <zip path>: imports the zip by path, then reads the
//     table it made: a merged scan through selectIter, paging through it
//     with selectPage resumed from each page's state, and every row of each
//     imported SSTable through the reader's batched scan
//   bomb <db> <schema> <lying|honest>: streams a zip bomb of 3 GiB of zeros
//     into the import and reports the error
import { open, readdir } from "node:fs/promises";
import { join } from "node:path";
import { WriteEngine, NodeFileStorage, SSTableReader, parseTable } from "../dist/node.js";
import { oldGenerationUsed } from "./heap-used.mjs";
import { bombZip } from "./zip-bomb.mjs";

const [mode, dir, schema, arg] = process.argv.slice(2);
const base = process.memoryUsage();
let peakHeap = 0;
let peakExternal = 0;
let peakRss = 0;
const sample = () => {
  const m = process.memoryUsage();
  peakHeap = Math.max(peakHeap, oldGenerationUsed());
  peakExternal = Math.max(peakExternal, m.arrayBuffers);
  peakRss = Math.max(peakRss, m.rss);
};
const engine = await WriteEngine.open({ storage: await NodeFileStorage.open(dir), schema });
const events = [];
const onProgress = (p) => {
  sample();
  if (p.phase !== "read" || events.length < 3) events.push(p.phase);
};
const out = {};
if (mode === "zip") {
  const added = await engine.importSSTables(arg, { onProgress });
  out.added = added.map((s) => ({ generation: s.generation, rows: s.rows, bytes: Object.values(s.files).reduce((a, b) => a + b, 0) }));
  // the table it made, through the engine, in the same capped heap
  const name = schema.match(/TABLE\s+(?:\w+\.)?(\w+)/i)[1];
  out.scanned = 0;
  for await (const r of engine.selectIter(`SELECT * FROM ${name}`)) {
    if (++out.scanned % 8192 === 0) sample();
  }
  out.paged = 0;
  out.pages = 0;
  let pagingState = null;
  do {
    const page = await engine.selectPage(`SELECT * FROM ${name}`, [], { pageSize: 5000, pagingState });
    out.paged += page.rows.length;
    out.pages++;
    pagingState = page.pagingState;
    sample();
  } while (pagingState);
  await engine.close();
  // and SSTable by SSTable, each imported generation whole
  const table = parseTable(schema);
  out.counted = [];
  for (const s of added) {
    const comps = new Map();
    const handles = [];
    for (const c of Object.keys(s.files)) {
      const fh = await open(join(dir, "sstables", `${s.version}-${s.generation}-big-${c}`), "r");
      handles.push(fh);
      const size = (await fh.stat()).size;
      comps.set(c, { size, read: async (o, l) => { const b = new Uint8Array(Math.max(0, Math.min(l, size - o))); await fh.read(b, 0, b.length, o); return b; } });
    }
    const r = await SSTableReader.open(comps, { schema: table, version: s.version, name: `g${s.generation}` });
    let rows = 0;
    for await (const p of r.scan()) {
      rows += p.unfiltereds.length;
      if (rows % 8192 === 0) sample();
    }
    out.counted.push(rows);
    for (const fh of handles) await fh.close();
  }
} else {
  // the other components, so the SSTable passes its checks and the bomb is what is read
  const table = "ks/t-00000000000000000000000000000001";
  const entries = ["TOC.txt", "Statistics.db", "Index.db", "Summary.db", "Filter.db", "CompressionInfo.db"].map((c) => [`${table}/nb-1-big-${c}`, new Uint8Array(16)]);
  const declaredSize = arg === "lying" ? 1 << 20 : 3 * 2 ** 30;
  try {
    await engine.importSSTables(bombZip({ name: `${table}/nb-1-big-Data.db`, mib: 3072, declaredSize, entries }), { onProgress, maxEntryBytes: 1 << 30 });
    out.error = null;
  } catch (e) {
    out.error = { name: e.name, code: e.code, length: e.message.length, message: e.message.slice(0, 300) };
  }
  sample();
  await engine.close();
}
sample();
out.files = (await readdir(join(dir, "sstables")).catch(() => [])).length + (await readdir(join(dir, "import")).catch(() => [])).length;
out.events = events;
Object.assign(out, { peakHeap, peakExternal, rssGrowth: peakRss - base.rss });
console.log(JSON.stringify(out));
