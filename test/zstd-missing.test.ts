// Without libzstd.wasm (a bundler that left it behind, a deployment that
// lost it), everything but writing Zstd chunks works: LZ4 tables write, Zstd
// tables read (the core decodes them), and a Zstd write fails at once with
// CoreLoadError naming the reason. This file loads the core alone on purpose.
import { test, expect } from "vitest";
import { readFileSync, readdirSync } from "node:fs";
import { setCoreModule } from "../src/core/core.js";
import { setLibzstdMissing, hasLibzstdModule } from "../src/core/libzstd.js";
import { CoreLoadError } from "../src/errors.js";

setCoreModule(new WebAssembly.Module(readFileSync(new URL("../build/core.wasm", import.meta.url))));
setLibzstdMissing("libzstd.wasm answered 404");

test("a Zstd write fails naming why libzstd is missing; LZ4 writes and Zstd reads go on", async () => {
  const { WriteEngine } = await import("../src/engine/engine.js");
  const { MemoryStorage } = await import("../src/storage/memory.js");
  const { SSTableReader } = await import("../src/sstable/reader.js");
  expect(hasLibzstdModule()).toBe(false);
  const zstd = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.z (k int PRIMARY KEY, v text) WITH compression = {'class': 'ZstdCompressor'}", walSync: "none" });
  await zstd.execute("INSERT INTO z (k, v) VALUES (1, 'one')");
  const err = await zstd.flush().then(() => null, (e: unknown) => e);
  expect(err).toBeInstanceOf(CoreLoadError);
  expect((err as Error).message).toMatch(/writing Zstd chunks needs libzstd\.wasm, which was not loaded: libzstd\.wasm answered 404/);
  // the row is still there: a failed flush keeps the memtable
  expect(await zstd.select("SELECT * FROM z")).toEqual([{ k: 1, v: "one" }]);
  await zstd.close().catch(() => undefined);

  const lz4 = await WriteEngine.open({ storage: new MemoryStorage(), schema: "CREATE TABLE ks.l (k int PRIMARY KEY, v text)", walSync: "none" });
  await lz4.execute("INSERT INTO l (k, v) VALUES (1, 'one')");
  expect(await lz4.flush()).not.toBeNull();
  await lz4.close();

  const dir = new URL("./fixtures/zstd/sstable/", import.meta.url).pathname;
  const files = new Map(readdirSync(dir).map((n) => [n, new Uint8Array(readFileSync(dir + n))]));
  const r = await SSTableReader.openFiles(files);
  expect((await r.partitions()).length).toBeGreaterThan(0);
});
