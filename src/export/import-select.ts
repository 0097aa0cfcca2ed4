// Which files of an input are SSTables, grouped by SSTable, and which table's
// SSTables to import. Cassandra keeps a table's files in
// <keyspace>/<table>-<32 hex id>/ (snapshots and backups below it); an export
// of this engine uses the same layout; loose files or <keyspace>/<table>/ are
// read the same way. Everything is decided from names and declared sizes,
// before a byte is copied.
import { TableSchema } from "../schema/schema.js";
import { tryParseFileName, BadFileNameError, COMPONENTS } from "../sstable/names.js";
import { features } from "../sstable/version.js";
import { ImportFile } from "./import-input.js";
import { ImportLimits, MAX_TEXT_COMPONENT_BYTES } from "./import-limits.js";
import { ImportError, ImportLimitError, ZipError, shown } from "./import-errors.js";

export interface SSTableGroup {
  /** "<directory><version>-<generation>", for messages */
  key: string;
  version: string;
  keyspace: string | null;
  table: string | null;
  components: Map<string, ImportFile>;
}

const REQUIRED = ["Data.db", "Index.db", "Statistics.db", "Summary.db", "Filter.db", "TOC.txt"];
/** Read whole into memory by the reader. */
const METADATA = new Set(["Statistics.db", "Summary.db", "Filter.db", "CompressionInfo.db", "CRC.db"]);
const TEXT = new Set(["TOC.txt", "Digest.crc32"]);
const KNOWN = new Set<string>(COMPONENTS);
const TABLE_DIR = /^(\w+)-[0-9a-f]{32}$/;

/** Files that travel with SSTables and are not imported. */
function isCompanion(base: string): boolean {
  return base.startsWith(".") || /\.(cql|json|md|txt)$/.test(base);
}

function checkPath(name: string): string[] {
  const parts = name.split("/");
  if (name.startsWith("/") || /^[A-Za-z]:/.test(name) || parts.some((p) => p === "" || p === "." || p === ".." || /[\\\0]/.test(p)))
    throw new ZipError("unsafe path (absolute, '..', '.', empty segment or backslash)", name);
  return parts;
}

/** The keyspace and table a file's directory names, by Cassandra's layout. */
function tableOf(dirs: string[]): { keyspace: string | null; table: string | null } {
  for (let i = dirs.length - 1; i >= 0; i--) {
    const m = TABLE_DIR.exec(dirs[i]);
    if (m) return { keyspace: dirs[i - 1] ?? null, table: m[1] };
  }
  return { keyspace: dirs.at(-2) ?? null, table: dirs.at(-1) ?? null };
}

const tableId = (g: { keyspace: string | null; table: string | null }) => (g.table === null ? "(no directory)" : `${g.keyspace ?? "?"}.${g.table}`);

/** The SSTables of the input, grouped; names checked, companions dropped. */
export function groupSSTables(files: ImportFile[]): SSTableGroup[] {
  const seen = new Set<string>();
  const groups = new Map<string, SSTableGroup>();
  for (const f of files) {
    const parts = checkPath(f.name);
    if (seen.has(f.name)) throw new ZipError("listed twice", f.name);
    seen.add(f.name);
    const base = parts.at(-1)!;
    const p = tryParseFileName(base);
    if (!p) {
      if (isCompanion(base)) continue;
      throw new BadFileNameError(shown(f.name));
    }
    if (!KNOWN.has(p.component)) continue; // a component this engine neither reads nor needs
    const dirs = parts.slice(0, -1);
    const key = `${dirs.map((d) => `${d}/`).join("")}${p.version}-${p.generation}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { key, version: p.version, ...tableOf(dirs), components: new Map() }));
    g.components.set(p.component, f);
  }
  return [...groups.values()];
}

/**
 * The groups to import: the table named in `want`, or else the only table
 * present, or else the one named as the schema's table.
 */
export function selectTable(groups: SSTableGroup[], schema: TableSchema, want: { keyspace?: string; table?: string }): SSTableGroup[] {
  if (groups.length === 0) throw new ImportError("no SSTable files found");
  const tables = [...new Set(groups.map(tableId))];
  const listed = () => `${tables.slice(0, 10).map(shown).join(", ")}${tables.length > 10 ? `, and ${tables.length - 10} more` : ""}`;
  if (want.table !== undefined || want.keyspace !== undefined) {
    const chosen = groups.filter((g) => (want.table === undefined || g.table === want.table) && (want.keyspace === undefined || g.keyspace === want.keyspace));
    if (chosen.length === 0) throw new ImportError(`no SSTables of ${want.keyspace ?? "*"}.${want.table ?? "*"} in the input; it holds ${listed()}`);
    if (new Set(chosen.map(tableId)).size > 1) throw new ImportError(`${want.keyspace ?? "*"}.${want.table ?? "*"} matches several tables (${listed()}); name the keyspace too`);
    return chosen;
  }
  if (tables.length === 1) return groups;
  let chosen = groups.filter((g) => g.table === schema.name);
  if (new Set(chosen.map(tableId)).size > 1) chosen = chosen.filter((g) => g.keyspace === schema.keyspace);
  if (chosen.length === 0 || new Set(chosen.map(tableId)).size > 1)
    throw new ImportError(`the input holds several tables (${listed()}) and none is ${schema.keyspace}.${schema.name}; pass { keyspace, table } to choose one`);
  return chosen;
}

/** Refuses a group that lacks a component, has an unsupported version, or is larger than the limits allow. */
export function checkGroup(g: SSTableGroup, limits: ImportLimits): number {
  features(g.version); // an unsupported version fails here, with a clear message
  for (const c of REQUIRED) if (!g.components.has(c)) throw new ImportError(`${shown(g.key)}: missing component ${c}`);
  if (!g.components.has("CompressionInfo.db") && !g.components.has("CRC.db")) throw new ImportError(`${shown(g.key)}: missing component CompressionInfo.db or CRC.db`);
  let total = 0;
  for (const [c, f] of g.components) {
    if (TEXT.has(c) && f.size > MAX_TEXT_COMPONENT_BYTES) throw new ImportError(`${shown(g.key)}/${c}: ${f.size} bytes, not an SSTable's ${c} (at most ${MAX_TEXT_COMPONENT_BYTES})`);
    if (METADATA.has(c) && f.size > limits.maxMetadataBytes) throw new ImportLimitError("maxMetadataBytes", limits.maxMetadataBytes, `${shown(g.key)}/${c} (${f.size} bytes, read whole)`);
    if (f.size > limits.maxEntryBytes) throw new ImportLimitError("maxEntryBytes", limits.maxEntryBytes, `${shown(g.key)}/${c} (${f.size} bytes)`);
    total += f.size;
  }
  return total;
}
