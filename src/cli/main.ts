// cqlite-web on the command line: dump, validate and convert SSTables.
// Exit codes: 0 success, 1 invalid or corrupt input, 2 usage error.
import { readFileSync, readdirSync, statSync, mkdirSync, writeFileSync } from "node:fs";
import { join, dirname, basename } from "node:path";
import { loadCoreNode } from "../core/load-node.js";
import { SSTableReader } from "../sstable/reader.js";
import { MemorySink } from "../sstable/writer.js";
import { convert } from "../sstable/convert.js";
import { parseTable } from "../cql/ddl.js";
import { tryParseFileName } from "../sstable/names.js";
import { dumpJson, partitionJson, keyText, DumpOptions } from "../tools/dump.js";
import { readInputs, TableInput, SSTableInput } from "./inputs.js";
import { mergeStreams } from "../core/merge.js";
import { decodePartitions } from "../core/rowstream.js";
import { TableSchema } from "../schema/schema.js";
import { validate } from "../tools/validate.js";
import { CqliteError } from "../errors.js";
import { FormatVersion, WRITABLE } from "../sstable/version.js";
import { concat } from "../util/bytes.js";

const TO = WRITABLE.join("|");

const HELP: Record<string, string> = {
  main: `usage: cqlite-web <command> [options]

commands:
  dump <input> [--merged]                 print partitions as sstabledump JSON
  load --schema F --input F --out Z      CSV / NDJSON to Cassandra SSTables (zip or directory)
  validate <input>                        verify checksums, order and index agreement
  convert <SSTable directory> --to ${TO} --out DIR   re-encode in another format version

An <input> is a Data.db (that one SSTable), a table directory (every
generation in it), an export's or a snapshot's root (every table below it),
or a zip of any of these. A schema.cql in a table's directory or above it
names the columns; --schema overrides it.

Run 'cqlite-web <command> --help' for a command's options.
Exit codes: 0 ok, 1 invalid or corrupt input, 2 usage error.`,
  dump: `usage: cqlite-web dump <Data.db, table directory, export root or zip> [--merged] [--schema schema.cql] [-k KEY]... [-d] [-t]

One SSTable prints sstabledump's JSON array of partitions. Several print an
array of { "sstable": ..., "partitions": [...] }, oldest generation first;
with --merged, each table's SSTables are reconciled into one array of
partitions (what a read sees: newest cell wins, tombstones applied).

  --merged        the reconciled view of each table's SSTables
  --schema FILE   name the key and clustering columns (otherwise schema.cql, or Statistics.db)
  -k KEY          only this partition (repeatable; compound keys as a:b)
  -d              one line per row instead of JSON
  -t              raw microsecond timestamps instead of ISO dates`,
  validate: `usage: cqlite-web validate <Data.db, table directory, export root or zip> [--schema schema.cql]

Validates every SSTable the input holds, oldest first. Re-reads every
component: checksums and digest, token and clustering order, Index.db
positions and keys against Data.db, Summary.db against Index.db, row index
blocks against their partitions, bloom filter agreement with the index, and
the statistics it can recompute (README, "What validation proves").
Exit 0 when valid, 1 with the file and first bad offset otherwise.`,
  convert: `usage: cqlite-web convert <SSTable directory> --to ${TO} --out DIR [--generation N]

Re-encodes every cell, timestamp, TTL and tombstone in the target version:
md and me (Cassandra 3.0/3.11), nb (4.0/4.1), oa (5.0). Reads every BIG
version from ma (3.0.0) to oa.`,
  load: `usage: cqlite-web load --schema schema.cql --input data.csv|data.ndjson (--out export.zip | --out-dir DIR)
                       [--keyspace K --table T] [--format ${TO}] [--skip-bad]

Streams the rows through the engine and writes Cassandra-loadable SSTables in
Cassandra's layout (<keyspace>/<table>-<id>/...). CSV has a header row naming
columns; empty fields are nulls; collections, tuples and UDTs are JSON. A bad
row stops the load with its line number, or is skipped and counted with
--skip-bad. Memory stays bounded whatever the input size.`,
};

class UsageError extends Error {}

interface Args {
  positional: string[];
  flags: Map<string, string[]>;
}

function parseArgs(argv: string[], withValue: string[]): Args {
  const positional: string[] = [];
  const flags = new Map<string, string[]>();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith("-")) {
      const v = withValue.includes(a) ? argv[++i] : "true";
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      if (!flags.has(a)) flags.set(a, []);
      flags.get(a)!.push(v);
    } else positional.push(a);
  }
  return { positional, flags };
}

/** The SSTable files in a directory (or beside a Data.db), by generation. */
export function loadSSTableFiles(path: string): Map<string, Uint8Array> {
  const isDir = statSync(path).isDirectory();
  const dir = isDir ? path : dirname(path);
  let want: string | null = null;
  if (!isDir) {
    const p = tryParseFileName(basename(path));
    if (!p) throw new UsageError(`${path} is not named like an SSTable component`);
    want = `${p.version}-${p.generation}`;
  }
  const groups = new Map<string, Map<string, Uint8Array>>();
  for (const name of readdirSync(dir).sort()) {
    const p = tryParseFileName(name);
    if (!p) continue;
    const g = `${p.version}-${p.generation}`;
    if (want && g !== want) continue;
    if (!groups.has(g)) groups.set(g, new Map());
    groups.get(g)!.set(name, new Uint8Array(readFileSync(join(dir, name))));
  }
  if (groups.size === 0) throw new UsageError(`no SSTable in ${path}`);
  // convert writes one SSTable: dump and validate take several (readInputs)
  if (groups.size > 1) throw new UsageError(`${path} holds ${groups.size} SSTables (${[...groups.keys()].join(", ")}): name one Data.db`);
  return [...groups.values()][0];
}

async function open(path: string, args: Args): Promise<SSTableReader> {
  const schemaFile = args.flags.get("--schema")?.[0];
  const schema = schemaFile ? parseTable(readFileSync(schemaFile, "utf8")) : undefined;
  return SSTableReader.openFiles(loadSSTableFiles(path), { schema });
}

function readTables(path: string, args: Args, err: (s: string) => void): TableInput[] {
  const tables = readInputs(path);
  const schemaFile = args.flags.get("--schema")?.[0];
  if (schemaFile) {
    const schema = readFileSync(schemaFile, "utf8");
    for (const t of tables) t.schema = schema;
  }
  for (const t of tables) {
    if (t.schema === null) continue;
    try {
      parseTable(t.schema);
    } catch (e) {
      if (schemaFile) throw e;
      err(`note: ${t.dir || path}/schema.cql not used (${(e as Error).message}); columns come from Statistics.db`);
      t.schema = null;
    }
  }
  return tables;
}

const schemas = new WeakMap<TableInput, TableSchema | undefined>();
function tableSchema(t: TableInput): TableSchema | undefined {
  if (!schemas.has(t)) schemas.set(t, t.schema === null ? undefined : parseTable(t.schema));
  return schemas.get(t);
}

function openSSTable(s: SSTableInput, t: TableInput, _args: Args, schema = tableSchema(t)): Promise<SSTableReader> {
  return SSTableReader.openFiles(s.files, { schema });
}

/** Every SSTable of a table, opened with one schema (the table's, or the first one's header), so their streams merge. */
async function openTable(t: TableInput, args: Args): Promise<SSTableReader[]> {
  const first = await openSSTable(t.sstables[0], t, args);
  const rest = await Promise.all(t.sstables.slice(1).map((s) => openSSTable(s, t, args, first.schema)));
  return [first, ...rest];
}

/** The reconciled partitions of a table's SSTables, as sstabledump's JSON (no positions: they span files). */
async function dumpMerged(readers: SSTableReader[], o: DumpOptions): Promise<unknown[]> {
  const schema = readers[0].schema;
  const streams: Uint8Array[] = [];
  for (const r of readers) {
    const parts: Uint8Array[] = [];
    for await (const b of r.scanStreams()) parts.push(b);
    streams.push(concat(parts));
  }
  const wanted = o.keys ? new Set(o.keys) : null;
  const out: unknown[] = [];
  for (const p of decodePartitions(mergeStreams(schema, streams, Math.floor(Date.now() / 1000)))) {
    if (wanted && !wanted.has(keyText(schema, p.key).join(":"))) continue;
    const json = partitionJson(schema, p, 0, o) as { partition: { position?: number } };
    delete json.partition.position;
    out.push(json);
  }
  return out;
}

const secs = (ms: number) => (ms / 1000).toFixed(1);

export async function run(argv: string[], out: (s: string) => void, err: (s: string) => void): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === "--help" || cmd === "-h") {
    out(HELP.main);
    return cmd ? 0 : 2;
  }
  if (!HELP[cmd]) {
    err(`unknown command '${cmd}'\n\n${HELP.main}`);
    return 2;
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    out(HELP[cmd]);
    return 0;
  }
  loadCoreNode();
  try {
    if (cmd === "dump") {
      const a = parseArgs(rest, ["--schema", "-k"]);
      if (a.positional.length !== 1) throw new UsageError("dump takes one path");
      const o = { keys: a.flags.get("-k"), rawTimestamps: a.flags.has("-t") };
      const lines = a.flags.has("-d");
      const tables = readTables(a.positional[0], a, err);
      if (a.flags.has("--merged")) {
        const merged: unknown[] = [];
        // one push per partition: spreading a large table's array into push() overflows the stack
        for (const t of tables) for (const p of await dumpMerged(await openTable(t, a), o)) merged.push(p);
        if (lines) for (const p of merged) out(JSON.stringify(p));
        else out(JSON.stringify(merged, null, 2));
        return 0;
      }
      const all = tables.flatMap((t) => t.sstables.map((s) => ({ t, s })));
      if (all.length === 1) {
        const json = await dumpJson(await openSSTable(all[0].s, all[0].t, a), o);
        if (lines) for (const p of json) out(JSON.stringify(p));
        else out(JSON.stringify(json, null, 2));
        return 0;
      }
      const each: { sstable: string; partitions: unknown[] }[] = [];
      for (const { t, s } of all) {
        const partitions = await dumpJson(await openSSTable(s, t, a), o);
        if (lines) for (const p of partitions) out(JSON.stringify({ sstable: s.name, ...(p as object) }));
        else each.push({ sstable: s.name, partitions });
      }
      if (!lines) out(JSON.stringify(each, null, 2));
      return 0;
    }
    if (cmd === "validate") {
      const a = parseArgs(rest, ["--schema"]);
      if (a.positional.length !== 1) throw new UsageError("validate takes one path");
      const all = readTables(a.positional[0], a, err).flatMap((t) => t.sstables.map((s) => ({ t, s })));
      const sum = { partitions: 0, rows: 0, files: 0 };
      for (const { t, s } of all) {
        const report = await validate(await openSSTable(s, t, a));
        if (all.length > 1) out(`${s.name}: valid: ${report.partitions} partitions, ${report.rows} rows, ${report.files} files`);
        sum.partitions += report.partitions;
        sum.rows += report.rows;
        sum.files += report.files;
      }
      out(`valid: ${all.length > 1 ? `${all.length} SSTables, ` : ""}${sum.partitions} partitions, ${sum.rows} rows, ${sum.files} files`);
      return 0;
    }
    if (cmd === "load") {
      const a = parseArgs(rest, ["--schema", "--input", "--out", "--out-dir", "--keyspace", "--table", "--format"]);
      const schemaFile = a.flags.get("--schema")?.[0];
      const input = a.flags.get("--input")?.[0];
      const outZip = a.flags.get("--out")?.[0];
      const outDir = a.flags.get("--out-dir")?.[0];
      if (!schemaFile || !input || (!outZip && !outDir) || a.positional.length) throw new UsageError("load needs --schema, --input and --out or --out-dir");
      const format = a.flags.get("--format")?.[0] as FormatVersion | undefined;
      if (format && !WRITABLE.includes(format)) throw new UsageError(`--format must be one of ${WRITABLE.join(", ")}`);
      const { load } = await import("./load.js");
      const tty = !!process.stderr.isTTY;
      const r = await load({
        schema: readFileSync(schemaFile, "utf8"), input, out: outZip, outDir, keyspace: a.flags.get("--keyspace")?.[0], table: a.flags.get("--table")?.[0],
        skipBad: a.flags.has("--skip-bad"), format, tty,
        progress: (line, final) => (tty ? process.stderr.write(line + (final ? "\n" : "")) : err(line)),
      });
      out(`loaded ${r.rows} rows${r.skipped ? `, skipped ${r.skipped} bad rows` : ""} in ${r.seconds.toFixed(1)} s (${r.ingestSeconds.toFixed(1)} s reading them in, then the export: ${secs(r.exportPhases.writeMs)} s merging and writing, ${secs(r.exportPhases.validateMs)} s validating, ${secs(r.exportPhases.zipMs)} s zipping) into ${r.files.length} files${outZip ? ` (${outZip}, ${r.zipBytes} bytes)` : ""}`);
      return 0;
    }
    if (cmd === "convert") {
      const a = parseArgs(rest, ["--schema", "--to", "--out", "--generation"]);
      const to = a.flags.get("--to")?.[0] as FormatVersion | undefined;
      const dir = a.flags.get("--out")?.[0];
      if (a.positional.length !== 1 || !to || !dir) throw new UsageError("convert needs a directory, --to and --out");
      if (!WRITABLE.includes(to)) throw new UsageError(`--to must be one of ${WRITABLE.join(", ")}`);
      const r = await open(a.positional[0], a);
      const gen = a.flags.get("--generation")?.[0] ?? "1";
      const sink = new MemorySink();
      const info = await convert(r, sink, { version: to, generation: gen });
      mkdirSync(dir, { recursive: true });
      for (const [name, bytes] of sink.files(to, gen)) writeFileSync(join(dir, name), bytes);
      out(`wrote ${info.files.length} files (${info.totalSize} bytes, ${info.partitions} partitions) to ${dir}`);
      return 0;
    }
  } catch (e) {
    if (e instanceof UsageError) {
      err(`${cmd}: ${e.message}\n\n${HELP[cmd]}`);
      return 2;
    }
    if (e instanceof CqliteError) {
      err(`${cmd}: ${e.message}`);
      return 1;
    }
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") {
      err(`${cmd}: ${(e as Error).message}`);
      return 2;
    }
    throw e;
  }
  return 2;
}
