// Import: SSTables that Cassandra (or this engine) wrote, from a zip (bytes, a
// Blob or File, a path, a stream), a snapshot directory or a name → bytes map,
// into an engine's storage. The files of the chosen table are copied in piece
// by piece under a temporary prefix, each SSTable is opened from there and
// validated, and then `adopt` makes them live (new generations, one manifest
// swap). Memory is bounded by the limits, never by the input; a failure at
// any step removes everything the import wrote, so it can be retried.
import type { Storage } from "../storage/storage.js";
import { TableSchema } from "../schema/schema.js";
import { FormatVersion } from "../sstable/version.js";
import type { SSTableEntry } from "../version/manifest.js";
import { openArchive, ImportInput } from "./import-input.js";
import { groupSSTables, selectTable, checkGroup } from "./import-select.js";
import { stageGroup, StagedSSTable } from "./import-stage.js";
import { ImportOptions, ImportProgress, limitsOf } from "./import-limits.js";
import { ImportLimitError } from "./import-errors.js";

export { ImportError, ZipError, ZipBombError, ImportLimitError } from "./import-errors.js";
export { DEFAULT_IMPORT_LIMITS } from "./import-limits.js";
export type { ImportLimits, ImportOptions, ImportProgress } from "./import-limits.js";
export type { ImportInput } from "./import-input.js";
export type { StagedSSTable } from "./import-stage.js";
export { openImports, groupFiles, type ImportedSSTable } from "./zip-memory.js";

/** Where imports stage their files; whatever is here when an engine opens is left from a failed one. */
export const STAGING_PREFIX = "import/";

export interface ImportTarget {
  storage: Storage;
  schema: TableSchema;
  /** the format re-sorted (byte-ordered) SSTables are rewritten in */
  format: FormatVersion;
  /**
   * Makes the staged SSTables live, all or none: moves their files (see
   * placeStaged) and swaps the manifest. Files it moved are its to remove if
   * it fails.
   */
  adopt(staged: StagedSSTable[]): Promise<SSTableEntry[]>;
}

/** Progress events at most this often (in bytes read), besides each file's end and each phase. */
const PROGRESS_BYTES = 1 << 20;

export async function importInto(target: ImportTarget, input: ImportInput, options: ImportOptions = {}): Promise<SSTableEntry[]> {
  const { storage } = target;
  const limits = limitsOf(options);
  const id = [...crypto.getRandomValues(new Uint8Array(6))].map((b) => b.toString(16).padStart(2, "0")).join("");
  const prefix = `${STAGING_PREFIX}${id}-`;
  const written: string[] = [];
  const progress: ImportProgress = { phase: "read", bytesRead: 0, bytesTotal: null, entries: 0, entriesTotal: 0, bytesWritten: 0 };
  let reported = 0;
  const report = (force: boolean) => {
    if (!options.onProgress || (!force && progress.bytesRead - reported < PROGRESS_BYTES)) return;
    reported = progress.bytesRead;
    options.onProgress({ ...progress });
  };
  const archive = await openArchive(input, storage, `${prefix}input.zip`, limits);
  try {
    progress.bytesTotal = archive.bytesTotal;
    const groups = selectTable(groupSSTables(archive.files), target.schema, options);
    let total = 0;
    for (const g of groups) total += checkGroup(g, limits);
    if (total > limits.maxTotalBytes) throw new ImportLimitError("maxTotalBytes", limits.maxTotalBytes, `the SSTables' ${total} bytes`);
    progress.entriesTotal = groups.reduce((n, g) => n + g.components.size, 0);
    report(true);
    const staged: StagedSSTable[] = [];
    for (const [k, g] of groups.entries()) {
      staged.push(await stageGroup({
        storage, schema: target.schema, format: target.format, limits, written,
        onRead: (n) => {
          progress.bytesRead += n;
          report(false);
        },
        onWritten: (n, fileDone) => {
          progress.bytesWritten += n;
          if (fileDone) progress.entries++;
          report(fileDone);
        },
        onValidate: () => {
          progress.phase = "validate";
          report(true);
        },
      }, g, `${prefix}${k}-`));
      progress.phase = "read";
    }
    progress.phase = "adopt";
    report(true);
    const added = await target.adopt(staged);
    progress.phase = "done";
    report(true);
    return added;
  } finally {
    await archive.close().catch(() => undefined);
    // after a successful adopt these were moved away, and deleting a missing file is no error
    for (const name of written) await storage.delete(name).catch(() => undefined);
  }
}

/** Moves a staged SSTable's files to their live names; each moved name is pushed to `placed` as it goes. */
export async function placeStaged(storage: Storage, s: StagedSSTable, nameOf: (component: string) => string, placed: string[]): Promise<void> {
  for (const [component, from] of s.files) {
    const to = nameOf(component);
    await storage.rename(from, to);
    placed.push(to);
  }
}

/** Removes what failed imports left (an engine calls this on open, before anyone imports). */
export async function removeStaging(storage: Storage): Promise<string[]> {
  const names = await storage.list(STAGING_PREFIX);
  for (const n of names) await storage.delete(n);
  return names;
}
