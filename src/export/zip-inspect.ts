// What a zip holds, read from its central directory without reading the
// entries: the file names, and the text of its schema.cql (an export of this
// engine carries one) when there is one. A page asks this before importing,
// to choose the database a zip belongs in.
import { randomAccessOf } from "./import-input.js";
import { readCentralDirectory } from "./zip-central.js";
import { entryBytes } from "./zip-entry.js";
import { DEFAULT_IMPORT_LIMITS } from "./import-limits.js";
import { ImportLimitError } from "./import-errors.js";

/** A schema.cql is a few CREATE statements; a larger one is not read. */
const MAX_SCHEMA_BYTES = 1 << 20;

export async function inspectZip(zip: Uint8Array | Blob, maxEntries = DEFAULT_IMPORT_LIMITS.maxEntries): Promise<{ schema: string | null; files: string[] }> {
  const src = randomAccessOf(zip);
  try {
    const entries = (await readCentralDirectory(src, maxEntries)).filter((e) => !e.name.endsWith("/"));
    // the shallowest schema.cql: an export has one, beside its table's directory
    const schemaEntry = entries.filter((e) => e.name.split("/").pop() === "schema.cql").sort((a, b) => a.name.split("/").length - b.name.split("/").length)[0];
    let schema: string | null = null;
    if (schemaEntry) {
      if (schemaEntry.size > MAX_SCHEMA_BYTES) throw new ImportLimitError("1 MiB for schema.cql", MAX_SCHEMA_BYTES, `${schemaEntry.name.slice(0, 160)} (${schemaEntry.size} bytes)`);
      const parts: Uint8Array[] = [];
      for await (const b of entryBytes(src, schemaEntry)) parts.push(b);
      schema = new TextDecoder().decode(await new Blob(parts as BlobPart[]).arrayBuffer());
    }
    return { schema, files: entries.map((e) => e.name) };
  } finally {
    await src.close();
  }
}
