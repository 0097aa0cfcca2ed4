// A schema back to CQL: the CREATE TYPE and CREATE TABLE statements that
// recreate it (export writes them to schema.cql beside the SSTables).
import { TableSchema } from "./schema.js";
import { CqlType, typeToCql, quoteIdent } from "../types/cqltype.js";

function collectTypes(t: CqlType, out: Map<string, Extract<CqlType, { kind: "udt" }>>): void {
  switch (t.kind) {
    case "list": case "set": collectTypes(t.elem, out); break;
    case "map": collectTypes(t.key, out); collectTypes(t.value, out); break;
    case "tuple": t.elems.forEach((e) => collectTypes(e, out)); break;
    case "udt":
      for (const f of t.fields) collectTypes(f.type, out); // inner types first
      if (!out.has(`${t.keyspace}.${t.name}`)) out.set(`${t.keyspace}.${t.name}`, t);
      break;
  }
}

export function schemaCql(s: TableSchema): string {
  const types = new Map<string, Extract<CqlType, { kind: "udt" }>>();
  for (const c of [...s.partitionKey, ...s.clustering, ...s.columns]) collectTypes(c.type, types);
  const out: string[] = [];
  for (const t of types.values()) {
    const fields = t.fields.map((f) => `${quoteIdent(f.name)} ${typeToCql(f.type)}`).join(", ");
    out.push(`CREATE TYPE IF NOT EXISTS ${quoteIdent(t.keyspace)}.${quoteIdent(t.name)} (${fields});`);
  }
  const cols = [...s.partitionKey, ...s.clustering, ...s.columns].map(
    (c) => `  ${quoteIdent(c.name)} ${typeToCql(c.type)}${c.kind === "static" ? " STATIC" : ""}`,
  );
  const pk = s.partitionKey.map((c) => quoteIdent(c.name));
  const key = [s.partitionKey.length > 1 ? `(${pk.join(", ")})` : pk[0], ...s.clustering.map((c) => quoteIdent(c.name))];
  cols.push(`  PRIMARY KEY (${key.join(", ")})`);
  const o = s.options;
  const opts: string[] = [`ID = ${s.id}`];
  if (s.clustering.length) opts.push(`CLUSTERING ORDER BY (${s.clustering.map((c) => `${quoteIdent(c.name)} ${c.reversed ? "DESC" : "ASC"}`).join(", ")})`);
  opts.push(`bloom_filter_fp_chance = ${o.bloomFilterFpChance}`);
  const comp = o.compression.enabled
    ? `{'class': '${o.compression.className}', 'chunk_length_in_kb': '${o.compression.chunkLengthKb}'${Object.entries(o.compression.extra).map(([k, v]) => `, '${k}': '${v}'`).join("")}}`
    : `{'enabled': 'false'}`;
  opts.push(`compression = ${comp}`);
  opts.push(`default_time_to_live = ${o.defaultTimeToLive}`);
  opts.push(`gc_grace_seconds = ${o.gcGraceSeconds}`);
  opts.push(`min_index_interval = ${o.minIndexInterval}`);
  opts.push(`max_index_interval = ${o.maxIndexInterval}`);
  out.push(`CREATE TABLE IF NOT EXISTS ${quoteIdent(s.keyspace)}.${quoteIdent(s.name)} (\n${cols.join(",\n")}\n) WITH ${opts.join("\n  AND ")};`);
  return out.join("\n") + "\n";
}
