// A Node script as a user writes it: write, read back, export a zip.
//   node node-app.mjs <directory>
import { WriteEngine, NodeFileStorage } from "cqlite-web";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

const dir = process.argv[2];
const engine = await WriteEngine.open({
  storage: await NodeFileStorage.open(join(dir, "db")),
  schema: "CREATE TABLE shop.items (id int, at timestamp, qty int, PRIMARY KEY (id, at))",
});
await engine.insert([{ id: 7, at: "2024-05-01T10:00:00Z", qty: 3 }, { id: 8, at: "2024-05-01T11:00:00Z", qty: 1 }]);
await engine.execute("UPDATE items SET qty = ? WHERE id = ? AND at = ?", [4, 7, "2024-05-01T10:00:00Z"]);
const rows = await engine.select("SELECT * FROM items");
const chunks = [];
const report = await engine.exportSSTable({ zip: (chunk) => void chunks.push(chunk.slice()) });
writeFileSync(join(dir, "export.zip"), Buffer.concat(chunks));
await engine.close();
console.log(JSON.stringify({ rows, exported: report.rows }, (_, v) => (typeof v === "bigint" ? String(v) : v)));
