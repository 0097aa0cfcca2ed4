import { test } from "vitest";
import { fixtureTables } from "./helpers.js";
import { SSTableReader } from "../src/sstable/reader.js";
import { materialize } from "../src/read/materialize.js";

test("decode all", async () => {
  for (const t of fixtureTables()) {
    if (t.version !== "md" && t.version !== "nb") continue;
    if (t.rel.includes("iot") || t.rel.includes("clust") || t.rel.includes("iris")) continue;
    const r = await SSTableReader.openFiles(t.files);
    const ps = await r.partitions();
    const rows = ps.flatMap((p) => materialize(r.schema, p, { withMetadata: true }));
    console.log(t.rel, t.generation, JSON.stringify(rows, (k, v) => (typeof v === "bigint" ? v.toString() + "n" : v instanceof Map ? [...v] : v)));
  }
});
