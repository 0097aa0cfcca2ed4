// The single-page SSTable demo: a schema, generated rows, a real SSTable written by the wasm
// core in this page, read back and offered as a zip for nodetool import.
import { loadCoreBrowser } from "../src/core/load-browser.js";
import { parseTable } from "../src/cql/ddl.js";
import { SSTableWriter, MemorySink } from "../src/sstable/writer.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { materialize, CqlRow } from "../src/read/materialize.js";
import { renderRows } from "./render.js";
import { generateRows } from "./generate.js";
import { zipSync } from "fflate";
import type { FormatVersion } from "../src/sstable/version.js";
import { DEMO_SCHEMA } from "./demo-schema.js";

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
let lastZip: Uint8Array | null = null;

async function build(): Promise<void> {
  const status = $("status");
  const schema = parseTable($<HTMLTextAreaElement>("schema").value);
  const n = Number($<HTMLInputElement>("rows").value);
  const version = $<HTMLSelectElement>("version").value as FormatVersion;
  const progress = $<HTMLProgressElement>("progress");
  const t0 = performance.now();
  const partitions = generateRows(schema, n, (done) => (progress.value = done / n));
  const sink = new MemorySink();
  const w = new SSTableWriter(schema, sink, { version, generation: 1, expectedKeys: partitions.length });
  await w.append(partitions);
  const info = await w.finish();
  const files = sink.files(version, 1);
  const tbody = $<HTMLTableElement>("files").tBodies[0];
  tbody.textContent = "";
  for (const [name, b] of files) {
    const tr = tbody.insertRow();
    tr.insertCell().textContent = name;
    tr.insertCell().textContent = String(b.length);
  }
  const reader = await SSTableReader.openFiles(files, { schema });
  await reader.verifyChecksums();
  const rows: CqlRow[] = [];
  for await (const p of reader.scan()) rows.push(...materialize(schema, p));
  renderRows($<HTMLTableElement>("result"), rows, 200);
  const dir = `${schema.keyspace}/${schema.name}-${schema.id.replace(/-/g, "")}`;
  lastZip = zipSync(Object.fromEntries([...files].map(([k, v]) => [`${dir}/${k}`, v])), { level: 0 });
  $<HTMLButtonElement>("download").disabled = false;
  status.textContent = `${info.partitions} partitions, ${rows.length} rows, ${info.totalSize} bytes in ${Math.round(performance.now() - t0)} ms`;
  status.dataset.rows = String(rows.length);
}

function download(): void {
  if (!lastZip) return;
  const a = document.createElement("a");
  a.href = URL.createObjectURL(new Blob([lastZip as BlobPart], { type: "application/zip" }));
  a.download = "sstables.zip";
  a.click();
  URL.revokeObjectURL(a.href);
}

$<HTMLTextAreaElement>("schema").value ||= DEMO_SCHEMA;
loadCoreBrowser().then(
  () => {
    $("status").textContent = "ready";
    $("build").addEventListener("click", () => build().catch((e) => ($("status").textContent = `error: ${(e as Error).message}`)));
    $("download").addEventListener("click", download);
  },
  (e) => ($("status").textContent = `failed to load the core: ${e}`),
);
