// Reads the rows of an exported zip in Node with the project's reader, as
// text rows comparable with what the page shows.
import { loadCoreNode } from "../src/core/load-node.js";
import { openImports } from "../src/export/import.js";
import { parseTable } from "../src/cql/ddl.js";
import { materialize } from "../src/read/materialize.js";
import { unzipSync } from "fflate";
import { show } from "../web/render.js";

export async function zipRows(zip: Uint8Array, schemaText?: string): Promise<{ schema: string; rows: string[]; files: string[] }> {
  loadCoreNode();
  const entries = unzipSync(zip);
  const files = Object.keys(entries).sort();
  const schemaFile = files.find((f) => f.endsWith("schema.cql"));
  const text = schemaText ?? new TextDecoder().decode(entries[schemaFile!]);
  const schema = parseTable(text);
  const rows: string[] = [];
  for (const imp of await openImports(schema, zip)) for await (const p of imp.reader.scan()) for (const r of materialize(schema, p)) rows.push(show(r));
  return { schema: text, rows, files };
}
