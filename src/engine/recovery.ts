// Opening a database: take the writer's lock, read the manifest and open the
// live SSTables (removing files no manifest names: a crash mid-flush or
// mid-compaction), open the WAL and replay what the SSTables do not cover
// into the memtable. A database that has a manifest must have its log too.
import type { Storage } from "../storage/storage.js";
import { TableSchema } from "../schema/schema.js";
import { Memtable } from "../memtable/memtable.js";
import { Wal, WalSyncPolicy, TornTail } from "../wal/wal.js";
import { VersionSet, VersionSetOptions } from "../version/version-set.js";
import { MANIFEST } from "../version/manifest.js";
import { CoreError } from "../errors.js";
import { mutationStream, BadMutationPayloadError, DEFAULT_MAX_MUTATION_BYTES } from "./mutation.js";

/** The storage lock a database's one writer holds. */
export const ENGINE_LOCK = "LOCK";

export interface OpenReport {
  walRecordsReplayed: number;
  walTornTail: TornTail | null;
  orphansRemoved: string[];
}

export interface RecoveryOptions extends VersionSetOptions {
  walSync?: WalSyncPolicy;
  maxMutationBytes?: number;
  /** removes what else a crash may have left (an import's staging), returning the names */
  sweep?: (storage: Storage) => Promise<string[]>;
}

export interface Recovered {
  versions: VersionSet;
  wal: Wal;
  unlock: () => Promise<void>;
  /** filled in by replay() */
  report: OpenReport;
  /** replays the log into `memtable`, once it exists; then the database exists, so its log must too (a failed replay releases the memtable) */
  replay(memtable: Memtable): Promise<void>;
  /** closes what open() opened (after a failed replay) */
  abandon(): Promise<void>;
}

export async function recover(storage: Storage, schema: TableSchema, options: RecoveryOptions): Promise<Recovered> {
  const unlock = await storage.lock(ENGINE_LOCK);
  try {
    const existed = await storage.exists(MANIFEST);
    const { versions, orphans } = await VersionSet.open(storage, schema, options);
    if (options.sweep) orphans.push(...(await options.sweep(storage)));
    const flushed = BigInt(versions.manifest.flushedSeq);
    let wal: Wal;
    try {
      wal = await Wal.open(storage, {
        sync: options.walSync ?? "always",
        directory: "wal/",
        lockName: null, // the engine holds LOCK for the whole database
        // never reuse a sequence number the SSTables already cover
        minNextSeq: flushed + 1n,
        // and notice a deleted segment holding records the SSTables do not
        expectFrom: flushed + 1n,
        mustExist: existed,
        // the version byte rides on top of the largest mutation
        maxRecordBytes: (options.maxMutationBytes ?? DEFAULT_MAX_MUTATION_BYTES) + 1,
      });
    } catch (e) {
      await versions.close();
      throw e;
    }
    const report: OpenReport = { walRecordsReplayed: 0, walTornTail: null, orphansRemoved: orphans };
    return {
      versions, wal, unlock, report,
      async replay(memtable) {
        try {
          const r = await wal.replay((seq, payload) => {
            if (seq <= flushed) return;
            // the record's bytes go to the memtable whole, read in the core as a live write's are
            try {
              memtable.applyEncoded(mutationStream(seq, payload), seq);
            } catch (e) {
              if (e instanceof CoreError) throw new BadMutationPayloadError(seq, e.message);
              throw e;
            }
            report.walRecordsReplayed++;
          });
          report.walTornTail = r.tornTail ?? null;
          if (!existed) await versions.apply({});
        } catch (e) {
          memtable.release(); // its arena goes with the engine that will not open
          throw e;
        }
      },
      async abandon() {
        await versions.close();
        await wal.close().catch(() => undefined);
        await unlock();
      },
    };
  } catch (e) {
    await unlock();
    throw e;
  }
}
