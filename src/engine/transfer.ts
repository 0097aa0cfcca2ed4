// SSTables in and out of the engine. Export reads a pinned version, so
// compactions may run meanwhile. Import's last step: staged SSTables
// (validated, see src/export/import.ts) get new generations, their files move
// to their live names, and one manifest edit makes them all live, or none.
import type { Storage } from "../storage/storage.js";
import { VersionSet } from "../version/version-set.js";
import { SSTableEntry } from "../version/manifest.js";
import { componentPath } from "../version/table-cache.js";
import { placeStaged, StagedSSTable } from "../export/import.js";
import { writeExport, ExportOptions, ExportReport } from "../export/export.js";
import { exportParts } from "../export/export-parts.js";
import { TableSchema } from "../schema/schema.js";
import { EncodingStats } from "../core/descriptors.js";

/** Writes the live SSTables of the current version as an export (see src/export/export.ts). */
export async function exportCurrent(storage: Storage, schema: TableSchema, versions: VersionSet, nowSeconds: number, emptyStats: EncodingStats, options: ExportOptions): Promise<ExportReport> {
  const pinned = versions.pin();
  try {
    return await writeExport(storage, schema, exportParts(schema, pinned.readers, nowSeconds, options.compact !== false, emptyStats), options);
  } finally {
    pinned.unpin();
  }
}

export async function adoptStaged(storage: Storage, versions: VersionSet, staged: StagedSSTable[], nowMs: () => number): Promise<SSTableEntry[]> {
  const added: SSTableEntry[] = [];
  const placed: string[] = [];
  try {
    for (const s of staged) {
      const generation = versions.allocateGeneration();
      await placeStaged(storage, s, (c) => componentPath(s.version, generation, c), placed);
      added.push({ ...s.entry, generation, level: 0, createdAt: nowMs() });
    }
    // opens their readers, then swaps the manifest: reads see them only once it lists them
    await versions.apply({ add: added });
    return added;
  } catch (e) {
    for (const name of placed) await storage.delete(name).catch(() => undefined);
    throw e;
  }
}
