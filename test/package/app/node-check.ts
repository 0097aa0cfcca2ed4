// Type-checked, not run: the Node API as a TypeScript user imports it.
import { WriteEngine, NodeFileStorage, MemoryStorage, mutation, SSTableReader, runCli, CqliteError, DatabaseLockedError } from "cqlite-web";
import type { EngineConfig, ExportReport, CqlRow, MaintenanceReport, Partition } from "cqlite-web";

export async function check(dir: string): Promise<void> {
  const config: EngineConfig = { storage: await NodeFileStorage.open(dir), schema: "CREATE TABLE ks.t (k int PRIMARY KEY, v text)", walSync: "batch" };
  const engine = await WriteEngine.open(config);
  const p: Partition = mutation(engine.schema, { k: 1 }, { timestamp: engine.nextTimestamp() }).insert({}, { v: "x" }).build();
  await engine.write(p);
  const rows: CqlRow[] = await engine.select("SELECT * FROM t");
  const step: MaintenanceReport = await engine.maintenanceStep(16);
  const report: ExportReport = await engine.exportSSTable({ version: "md", zip: () => undefined });
  const reader: SSTableReader = await SSTableReader.openFiles(new Map(), {});
  const code: number = await runCli(["--help"], console.log, console.error);
  const memory = new MemoryStorage();
  try {
    await engine.close();
  } catch (e) {
    if (e instanceof DatabaseLockedError || e instanceof CqliteError) console.log(e.code);
  }
  console.log(rows.length, step.pending, report.zipBytes, reader.version, code, memory);
}
