// What the command line takes: a Data.db (or any component of one SSTable),
// a table directory holding several generations, an export's or snapshot's
// root (tables below it), or a zip of any of these. Each becomes the tables
// it holds, their SSTables in generation order, with the schema.cql found in
// a table's directory or above it.
import { readFileSync, readdirSync, statSync } from "node:fs";
import { join, dirname, basename, sep } from "node:path";
import { unzipSync } from "fflate";
import { tryParseFileName } from "../sstable/names.js";
import { CqliteError } from "../errors.js";

export interface SSTableInput {
  /** where it is, for messages: `<dir>/<version>-<generation>` */
  name: string;
  generation: string;
  /** file name (nb-1-big-Data.db) → bytes, as SSTableReader.openFiles takes them */
  files: Map<string, Uint8Array>;
}

export interface TableInput {
  /** the table's directory inside the input ("" for the input itself) */
  dir: string;
  /** the CREATE TABLE of the nearest schema.cql, if there is one */
  schema: string | null;
  /** oldest generation first */
  sstables: SSTableInput[];
}

/** The input names nothing the CLI can read. */
export class NoSSTableError extends CqliteError {
  constructor(path: string) {
    super("NO_SSTABLE", `no SSTable in ${path} (a Data.db, a table directory, an export or snapshot root, or a zip of one)`);
  }
}

/** Directories below an export root are `<keyspace>/<table>-<id>/`, snapshots a few more: deeper is not a table. */
const MAX_DEPTH = 6;

export function readInputs(path: string): TableInput[] {
  const st = statSync(path);
  if (st.isDirectory()) return groupTables(path, walk(path, "", 0));
  if (/\.zip$/i.test(path)) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(new Uint8Array(readFileSync(path)));
    } catch (e) {
      throw new CqliteError("NOT_A_ZIP", `${path}: not a readable zip (${(e as Error).message})`);
    }
    return groupTables(path, new Map(Object.entries(entries).filter(([n]) => !n.endsWith("/"))));
  }
  // one component names its SSTable: that one alone, and the schema.cql beside it
  const p = tryParseFileName(basename(path));
  if (!p) throw new CqliteError("NOT_AN_SSTABLE", `${path} is not named like an SSTable component, a directory or a zip`);
  const dir = dirname(path);
  const files = new Map<string, Uint8Array>();
  for (const name of readdirSync(dir)) {
    const q = tryParseFileName(name);
    if (q && q.version === p.version && q.generation === p.generation) files.set(name, new Uint8Array(readFileSync(join(dir, name))));
  }
  const schemaFile = join(dir, "schema.cql");
  const schema = readdirSync(dir).includes("schema.cql") ? readFileSync(schemaFile, "utf8") : null;
  return [{ dir: "", schema, sstables: [{ name: `${dir}/${p.version}-${p.generation}`, generation: p.generation, files }] }];
}

/** SSTable components and schema.cql files below `root`, by path relative to it ("/"-separated). */
function walk(root: string, rel: string, depth: number): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const dir = join(root, rel);
  for (const ent of readdirSync(dir, { withFileTypes: true })) {
    const r = rel ? `${rel}/${ent.name}` : ent.name;
    if (ent.isDirectory()) {
      if (depth < MAX_DEPTH) for (const [k, v] of walk(root, r, depth + 1)) out.set(k, v);
    } else if (ent.name === "schema.cql" || tryParseFileName(ent.name)) {
      out.set(r, new Uint8Array(readFileSync(join(dir, ent.name))));
    }
  }
  return out;
}

function groupTables(input: string, files: Map<string, Uint8Array>): TableInput[] {
  const schemas = new Map<string, string>();
  const tables = new Map<string, Map<string, SSTableInput>>();
  for (const [path, bytes] of files) {
    const name = path.split("/").pop()!;
    const dir = path.slice(0, path.length - name.length).replace(/\/$/, "");
    if (name === "schema.cql") {
      schemas.set(dir, new TextDecoder().decode(bytes));
      continue;
    }
    const p = tryParseFileName(name);
    if (!p) continue;
    let t = tables.get(dir);
    if (!t) tables.set(dir, (t = new Map()));
    const id = `${p.version}-${p.generation}`;
    let s = t.get(id);
    if (!s) t.set(id, (s = { name: `${join(input, dir).split(sep).join("/")}/${id}`, generation: p.generation, files: new Map() }));
    s.files.set(name, bytes);
  }
  if (tables.size === 0) throw new NoSSTableError(input);
  const nearestSchema = (dir: string): string | null => {
    for (let d = dir; ; d = d.includes("/") ? d.slice(0, d.lastIndexOf("/")) : "") {
      const s = schemas.get(d);
      if (s !== undefined) return s;
      if (d === "") return null;
    }
  };
  return [...tables.keys()].sort().map((dir) => ({
    dir,
    schema: nearestSchema(dir),
    sstables: [...tables.get(dir)!.values()].sort((a, b) => compareGenerations(a.generation, b.generation)),
  }));
}

/** Numbered generations by number; Cassandra 4.1's time-based identifiers sort by their text, which is time order. */
function compareGenerations(a: string, b: string): number {
  const numeric = /^\d+$/;
  if (numeric.test(a) && numeric.test(b)) return Number(a) - Number(b);
  if (numeric.test(a) !== numeric.test(b)) return numeric.test(a) ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}
