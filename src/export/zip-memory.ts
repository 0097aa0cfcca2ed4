// The SSTables of a small zip (or a name → bytes map) opened in memory and
// validated: for tools and tests that read an export back. Imports into an
// engine go through import.ts, which streams and never holds a file whole.
import { unzipSync } from "fflate";
import { SSTableReader } from "../sstable/reader.js";
import { TableSchema } from "../schema/schema.js";
import { tryParseFileName, parseFileName, BadFileNameError } from "../sstable/names.js";
import { features } from "../sstable/version.js";
import { BYTE_ORDERED_PARTITIONER } from "../sstable/statistics.js";
import { MemorySource, ComponentSources } from "../sstable/source.js";
import { validate } from "../tools/validate.js";
import { ImportError } from "./import-errors.js";

export interface ImportedSSTable {
  /** where it came from: "<version>-<generation>" and its directory */
  source: string;
  reader: SSTableReader;
  /** re-sorted from byte order: must be rewritten, not copied */
  resort: boolean;
  files: Map<string, Uint8Array>;
}

const REQUIRED = ["Data.db", "Index.db", "Statistics.db", "Summary.db", "Filter.db", "TOC.txt"];

/** The SSTables in a zip or a name → bytes map, grouped and checked. */
export function groupFiles(input: Uint8Array | Map<string, Uint8Array>): Map<string, Map<string, Uint8Array>> {
  let files: Map<string, Uint8Array>;
  if (input instanceof Uint8Array) {
    let entries: Record<string, Uint8Array>;
    try {
      entries = unzipSync(input);
    } catch (e) {
      throw new ImportError(`not a readable zip: ${(e as Error).message}`);
    }
    files = new Map(Object.entries(entries).filter(([n]) => !n.endsWith("/")));
  } else files = input;
  const groups = new Map<string, Map<string, Uint8Array>>();
  for (const [path, bytes] of files) {
    const base = path.split("/").pop()!;
    if (base === "schema.cql" || base.startsWith(".") || base.endsWith(".cql") || base.endsWith(".md")) continue;
    const p = tryParseFileName(base);
    if (!p) throw new BadFileNameError(path);
    const dir = path.slice(0, path.length - base.length);
    const key = `${dir}${p.version}-${p.generation}`;
    if (!groups.has(key)) groups.set(key, new Map());
    groups.get(key)!.set(p.component, bytes);
  }
  if (groups.size === 0) throw new ImportError("no SSTable files found");
  return groups;
}

export async function openImports(schema: TableSchema, input: Uint8Array | Map<string, Uint8Array>): Promise<ImportedSSTable[]> {
  const out: ImportedSSTable[] = [];
  for (const [key, comps] of groupFiles(input)) {
    const { version } = parseFileName(`${key.split("/").pop()}-big-Data.db`);
    features(version); // unsupported versions fail here, with a clear message
    for (const c of REQUIRED) if (!comps.has(c)) throw new ImportError(`${key}: missing component ${c}`);
    if (!comps.has("CompressionInfo.db") && !comps.has("CRC.db")) throw new ImportError(`${key}: missing component CompressionInfo.db or CRC.db`);
    const sources: ComponentSources = new Map([...comps].map(([c, b]) => [c, new MemorySource(b)]));
    const reader = await SSTableReader.open(sources, { schema, version, name: key });
    await validate(reader);
    out.push({ source: key, reader, resort: reader.statistics.partitioner === BYTE_ORDERED_PARTITIONER, files: comps });
  }
  return out;
}
