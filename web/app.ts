// The demo app: one database at a time, in the engine's worker over OPFS.
// A schema, a CQL console (a SELECT shown a page at a time, pager.ts),
// generated rows, the LSM state as it changes,
// export to a Cassandra-loadable zip and import of one. The page does no
// storage work itself: every call crosses to the worker.
import { openInWorker, destroyDatabase, listDatabases, BrowserEngine, LsmState } from "../src/browser/index.js";
import { parseTable } from "../src/cql/ddl.js";
import { schemaCql } from "../src/schema/cql.js";
import type { TableSchema } from "../src/schema/schema.js";
import type { PolicySpec } from "../src/compaction/policies.js";
import type { FormatVersion } from "../src/sstable/version.js";
import { generateColumns } from "./generate.js";
import { renderRows, formatBytes } from "./render.js";
import { ResultPager, ShownPage } from "./pager.js";
import { DEMO_SCHEMA } from "./demo-schema.js";

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;
const GENERATE_BATCH = 2000;

let engine: BrowserEngine | null = null;
let schema: TableSchema | null = null;
let polling = 0;
/** generated rows continue from here, so each Generate adds new rows */
let generated = 0;
/** the console's SELECT, a page at a time */
let pager: ResultPager | null = null;

function status(text: string, error = false): void {
  const s = $("status");
  s.textContent = text;
  s.classList.toggle("error", error);
}

function message(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle("error", error);
}

/** Runs a UI action: one at a time per button, errors shown where the action lives. */
function action(button: string, out: string, f: () => Promise<void>, after?: () => void): void {
  const b = $<HTMLButtonElement>(button);
  b.addEventListener("click", async () => {
    if (b.disabled) return;
    b.disabled = true;
    try {
      await f();
    } catch (e) {
      const err = e as { code?: string; message?: string };
      message(out, `${err.code ? err.code + ": " : ""}${err.message ?? e}`, true);
    } finally {
      b.disabled = false;
      after?.();
    }
  });
}

function need(): BrowserEngine {
  if (!engine) throw Object.assign(new Error("no database is open"), { code: "NOT_OPEN" });
  return engine;
}

async function open(): Promise<void> {
  await close();
  const name = $<HTMLInputElement>("db-name").value.trim();
  const text = $<HTMLTextAreaElement>("schema").value;
  schema = parseTable(text);
  status(`opening ${name}…`);
  const lock = $("lock-message");
  const e = await openInWorker({
    name, schema: text, flushThresholdBytes: 16 << 20,
    idleMaintenance: { onStep: () => schedulePoll(0) },
    onLocked: () => {
      lock.hidden = false;
      lock.textContent = `The database '${name}' is open in another tab. This tab will take over when that one closes.`;
      status("waiting for the other tab");
    },
  });
  lock.hidden = true;
  engine = e;
  await applyPolicy();
  if (!$<HTMLInputElement>("idle").checked) e.maintenance?.stop();
  $("persist").textContent = e.persisted === null ? "" : e.persisted ? "storage: persistent" : "storage: best-effort (the browser may evict it)";
  status(`open: ${name} (${e.info.sstables} SSTables, ${e.info.walRecordsReplayed} WAL records replayed${e.info.walTornTail ? ", torn tail truncated" : ""})`);
  document.body.dataset.open = name;
  generated = 0;
  void refreshDatabases().catch((e) => status(String(e), true));
  schedulePoll(0);
}

async function close(): Promise<void> {
  const e = engine;
  engine = null;
  pager = null;
  showPager();
  delete document.body.dataset.open;
  if (e) {
    await e.close();
    status("closed");
  }
  await refreshDatabases();
}

/** The origin's databases, from the catalog (no worker involved); a name click fills the form with it. */
async function refreshDatabases(): Promise<void> {
  const list = await listDatabases();
  const when = (ms: number | null) => (ms === null ? "" : new Date(ms).toLocaleString());
  const body = document.createDocumentFragment();
  for (const d of list) {
    const tr = body.appendChild(document.createElement("tr"));
    tr.dataset.name = d.name;
    const name = tr.appendChild(document.createElement("td")).appendChild(document.createElement("a"));
    name.href = "#";
    name.textContent = d.name;
    name.addEventListener("click", (ev) => {
      ev.preventDefault();
      $<HTMLInputElement>("db-name").value = d.name;
      if (d.schema) $<HTMLTextAreaElement>("schema").value = d.schema;
    });
    let table = "";
    try {
      table = d.schema ? `${parseTable(d.schema).keyspace}.${parseTable(d.schema).name}` : "";
    } catch {
      table = "?";
    }
    for (const v of [table, when(d.created), when(d.lastOpened), formatBytes(d.size), d.open ? "open" : ""]) tr.appendChild(document.createElement("td")).textContent = v;
  }
  $<HTMLTableElement>("databases").tBodies[0].replaceChildren(body);
  $("databases").dataset.count = String(list.length);
}

async function applyPolicy(): Promise<void> {
  const kind = $<HTMLSelectElement>("policy").value as PolicySpec["kind"];
  await need().setMergePolicy({ kind } as PolicySpec);
}

async function run(): Promise<void> {
  const cql = $<HTMLTextAreaElement>("cql").value.trim();
  if (!cql) return;
  const e = need();
  pager = null;
  showPager();
  if (/^select/i.test(cql)) {
    const size = Number($<HTMLInputElement>("page-size").value);
    if (!Number.isInteger(size) || size < 1) throw new RangeError("page size: a positive whole number");
    const p = new ResultPager((pagingState) => e.selectPage(cql, undefined, { pageSize: size, pagingState }), size);
    await turn(() => p.first());
    pager = p;
    showPager();
  } else {
    const t0 = performance.now();
    const { rows } = await e.execute(cql);
    renderRows($<HTMLTableElement>("result"), rows);
    message("result-info", `done in ${Math.round(performance.now() - t0)} ms`);
    $("result").dataset.rows = String(rows.length);
  }
  schedulePoll(0);
}

/** Shows one page of the console's result, with where it sits in the whole. */
async function turn(to: () => Promise<ShownPage>): Promise<void> {
  const t0 = performance.now();
  const p = await to();
  const ms = Math.round(performance.now() - t0);
  const shown = renderRows($<HTMLTableElement>("result"), p.rows);
  const last = p.firstRow + p.rows.length - 1;
  const where = p.rows.length === 0 ? (p.number === 1 ? "no rows" : "no more rows") : `rows ${p.firstRow}–${last}${p.more ? "" : ` of ${last}`}`;
  message("result-info", `${where}${shown < p.rows.length ? ` (first ${shown} shown)` : ""}, page ${p.number}${p.more ? ", more follow" : ""}, in ${ms} ms`);
  const r = $("result");
  r.dataset.rows = String(p.rows.length);
  r.dataset.page = String(p.number);
  r.dataset.first = String(p.firstRow);
  r.dataset.more = p.more ? "1" : "0";
}

function showPager(): void {
  $<HTMLButtonElement>("prev").disabled = !pager?.hasPrevious;
  $<HTMLButtonElement>("next").disabled = !pager?.hasNext;
}

async function page(step: "forward" | "back"): Promise<void> {
  const p = pager;
  if (p) await turn(() => (step === "forward" ? p.forward() : p.back()));
}

async function generate(): Promise<void> {
  const e = need();
  const n = Number($<HTMLInputElement>("gen-count").value);
  if (!Number.isInteger(n) || n < 1) throw new RangeError("rows: a positive whole number");
  const bar = $<HTMLProgressElement>("gen-progress");
  const t0 = performance.now();
  // batches in flight overlap the worker's WAL commit with the next batch's generation
  let inflight: Promise<void> | null = null;
  for (let done = 0; done < n; ) {
    const count = Math.min(GENERATE_BATCH, n - done);
    const batch = e.insertColumns(generateColumns(schema!, generated + done, count));
    if (inflight) await inflight;
    inflight = batch;
    done += count;
    bar.value = done / n;
    message("gen-info", `${done} / ${n}`);
  }
  await inflight;
  generated += n;
  const s = (performance.now() - t0) / 1000;
  message("gen-info", `${n} rows in ${s.toFixed(1)} s (${Math.round(n / s)} rows/s)`);
  $("gen-info").dataset.done = String(n);
  schedulePoll(0);
}

async function exportZip(): Promise<void> {
  const e = need();
  const bar = $<HTMLProgressElement>("export-progress");
  const st = await e.state();
  const estimate = Math.max(1, st.sstables.reduce((a, s) => a + s.bytes, 0) + st.memtableBytes / 2);
  bar.value = 0;
  const { report, blob } = await e.exportSSTable({
    version: $<HTMLSelectElement>("export-version").value as FormatVersion,
    keyspace: schema!.keyspace, table: schema!.name,
    onProgress: (bytes) => (bar.value = Math.min(0.99, bytes / estimate)),
  });
  bar.value = 1;
  const a = $<HTMLAnchorElement>("download");
  if (a.href) URL.revokeObjectURL(a.href);
  a.href = URL.createObjectURL(blob);
  a.download = `${schema!.keyspace}-${schema!.name}.zip`;
  a.textContent = `${a.download} (${formatBytes(blob.size)})`;
  a.hidden = false;
  message("export-info", `${report.partitions} partitions, ${report.rows} rows, ${report.tombstones} tombstones, validated in ${Math.round(report.timeMs)} ms`);
  a.click();
}

async function importZip(): Promise<void> {
  const file = $<HTMLInputElement>("import-file").files?.[0];
  if (!file) throw new Error("choose a zip of SSTables first");
  let e = need();
  const { schema: zipSchema } = await e.inspectZip(file);
  if (zipSchema && schemaCql(parseTable(zipSchema)) !== schemaCql(schema!)) {
    // an export of another table: it gets a database of its own
    const t = parseTable(zipSchema);
    $<HTMLInputElement>("db-name").value = `${t.keyspace}.${t.name}`;
    $<HTMLTextAreaElement>("schema").value = zipSchema;
    await open();
    e = need();
  }
  // the worker reads the File slice by slice into OPFS; progress comes back as it goes
  const bar = $<HTMLProgressElement>("import-progress");
  const info = $("import-info");
  bar.value = 0;
  const phases = new Set<string>();
  let events = 0;
  // progress crosses on a port of its own: an event may land after the result
  let finished = false;
  const t0 = performance.now();
  const added = await e.importZip(file, {
    onProgress: (p) => {
      if (finished) return;
      info.dataset.events = String(++events);
      phases.add(p.phase);
      info.dataset.phases = [...phases].join(" ");
      bar.value = p.phase === "done" ? 1 : Math.min(0.99, p.bytesRead / Math.max(1, p.bytesTotal ?? file.size));
      const phase = p.phase === "read" ? "reading" : p.phase === "validate" ? "validating" : p.phase === "adopt" ? "adopting" : "done";
      message("import-info", `${phase}: ${formatBytes(p.bytesRead)} of ${formatBytes(p.bytesTotal ?? file.size)} read, ${p.entries} / ${p.entriesTotal} files, ${formatBytes(p.bytesWritten)} written`);
    },
  });
  finished = true;
  bar.value = 1;
  const rows = added.reduce((a, s) => a + s.rows, 0);
  message("import-info", `${added.length} SSTable(s), ${rows} rows imported`);
  info.dataset.seconds = ((performance.now() - t0) / 1000).toFixed(1);
  $<HTMLTextAreaElement>("cql").value = `SELECT * FROM ${schema!.name} LIMIT 100`;
  // through the console's button, so a run started meanwhile waits for this one (the button is off while it runs)
  $("run").click();
}

function schedulePoll(delay = 500): void {
  clearTimeout(polling);
  polling = window.setTimeout(poll, delay);
}

async function poll(): Promise<void> {
  const e = engine;
  if (!e) return;
  try {
    renderState(await e.state(), e.maintenance?.active ?? false);
  } catch {
    // closed meanwhile
  }
  if (engine === e) schedulePoll(500);
}

function renderState(s: LsmState, idleActive: boolean): void {
  $("memtable").textContent = `${s.memtableRows} rows, ${formatBytes(s.memtableBytes)}; last generation ${s.generation}`;
  const c = s.compaction;
  $("compaction").textContent = c ? `${c.reason}: [${c.inputs.join(", ")}] → level ${c.level}${c.outputs.length ? ` (${c.outputs.length} outputs so far)` : ""}` : idleActive ? "looking for work" : "idle";
  $("compaction").dataset.active = c ? "1" : "0";
  const n = s.counters;
  $("counters").textContent = `${n.statements} statements, ${n.rowsWritten} rows inserted, ${n.reads} reads (${n.rowsRead} rows)`;
  const m = s.maintenance;
  $("maintenance").textContent = `${m.compactionsCompleted} compactions, ${m.rowsMerged} rows merged, ${formatBytes(m.bytesRead)} read, ${formatBytes(m.bytesWritten)} written, ${m.tombstonesPurged} tombstones purged`;
  const body = document.createDocumentFragment();
  for (const t of [...s.sstables].sort((a, b) => a.level - b.level || a.generation - b.generation)) {
    const tr = document.createElement("tr");
    for (const v of [t.level, t.generation, t.version, t.partitions, t.rows, formatBytes(t.bytes)]) tr.appendChild(document.createElement("td")).textContent = String(v);
    body.appendChild(tr);
  }
  $<HTMLTableElement>("sstables").tBodies[0].replaceChildren(body);
  $("sstables").dataset.count = String(s.sstables.length);
}

action("open", "status", open);
action("close", "status", close);
action("destroy", "status", async () => {
  const name = $<HTMLInputElement>("db-name").value.trim();
  if (engine) await close();
  await destroyDatabase(name);
  status(`deleted ${name}`);
  await refreshDatabases();
});
action("run", "result-info", run, showPager);
action("next", "result-info", () => page("forward"), showPager);
action("prev", "result-info", () => page("back"), showPager);
action("generate", "gen-info", generate);
action("flush", "status", async () => {
  const info = await need().flush();
  status(info ? `flushed generation ${info.generation}: ${info.rows} rows, ${formatBytes(info.totalSize)}` : "nothing to flush");
  schedulePoll(0);
});
action("export", "export-info", exportZip);
action("import", "import-info", importZip);
$("cql").addEventListener("keydown", (ev) => {
  if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey)) {
    ev.preventDefault();
    $("run").click();
  }
});
$("policy").addEventListener("change", () => engine && applyPolicy().catch((e) => status(String(e), true)));
$("idle").addEventListener("change", () => {
  const m = engine?.maintenance;
  if (!m) return;
  if ($<HTMLInputElement>("idle").checked) m.resume();
  else m.stop();
});

// for tests and the console: the open engine
(globalThis as unknown as { demo: { engine(): BrowserEngine | null } }).demo = { engine: () => engine };

$<HTMLTextAreaElement>("schema").value ||= DEMO_SCHEMA;
// ?db=NAME opens that database at start
const requested = new URLSearchParams(location.search).get("db");
if (requested) $<HTMLInputElement>("db-name").value = requested;

open().then(
  () => (document.body.dataset.ready = "1"),
  (e) => {
    status(`${(e as { code?: string }).code ?? "error"}: ${(e as Error).message}`, true);
    document.body.dataset.ready = "1";
  },
);
