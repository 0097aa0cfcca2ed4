// The chunked answer of POST /sstables (what the Worker example uses), in
// Node: one SSTable generation per chunk; a row repeated in a later chunk
// carries a later timestamp; an error before the first SSTable is sent is a
// 4xx, an error after it breaks the transfer instead of ending a zip.
import { describe, test, expect } from "vitest";
import "./helpers.js";
import { handleSSTables } from "../src/edge/service.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { openImports } from "../src/export/import.js";
import { parseTable } from "../src/cql/ddl.js";
import { materialize } from "../src/read/materialize.js";

const SCHEMA = "CREATE TABLE ks.kv (id int PRIMARY KEY, v text)";

function request(body: string): Request {
  return new Request("http://x/sstables", { method: "POST", body, headers: { "content-type": "application/x-ndjson", "x-cql-schema": SCHEMA } });
}
const options = { chunkBytes: 64 << 10, storage: async () => ({ storage: new MemoryStorage(), dispose: async () => {} }) };
const lines = (from: number, to: number, v = "a") => Array.from({ length: to - from }, (_, i) => JSON.stringify({ id: from + i, v: v.repeat(40) + (from + i) })).join("\n") + "\n";

describe("POST /sstables in chunks", () => {
  test("each chunk is its own generation; a row written again later has the later timestamp", async () => {
    const res = await handleSSTables(request(lines(0, 3000) + lines(0, 10, "b")), options);
    expect(res.status).toBe(200);
    const imports = await openImports(parseTable(SCHEMA), new Uint8Array(await res.arrayBuffer()));
    expect(imports.length).toBeGreaterThan(2);
    const latest = new Map<number, { v: string; at: bigint }>();
    let total = 0;
    for (const imp of imports)
      for await (const p of imp.reader.scan())
        for (const r of materialize(imp.reader.schema, p)) {
          total++;
          const at = p.unfiltereds[0].type === "row" ? p.unfiltereds[0].row.cells[0].timestamp : 0n;
          const seen = latest.get(r.id as number);
          if (!seen || at > seen.at) latest.set(r.id as number, { v: r.v as string, at });
        }
    expect(total).toBe(3010);
    expect(latest.size).toBe(3000);
    for (let i = 0; i < 10; i++) expect(latest.get(i)!.v).toBe("b".repeat(40) + i);
    expect(latest.get(10)!.v).toBe("a".repeat(40) + 10);
  });

  test("a bad row in the first chunk is a 400", async () => {
    const res = await handleSSTables(request(lines(0, 10) + '{"id": "x"}\n'), options);
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ code: "BAD_ROW", line: 11 });
  });

  test("a bad row after the first SSTable went out breaks the transfer: the body never completes", async () => {
    const res = await handleSSTables(request(lines(0, 3000) + '{"id": "x"}\n'), options);
    expect(res.status).toBe(200);
    await expect(res.arrayBuffer()).rejects.toThrow(/line 3001/);
  });
});
