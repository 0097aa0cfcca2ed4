// A Version: one immutable list of live SSTables with their readers, and a
// count of who holds it. The VersionSet holds the current one; every read,
// scan, iterator, compaction and export pins the version it started on and
// unpins it when done, so it can never see a file closed or deleted under it.
// A version that is no longer current lives on while pinned; when its last
// pin drops, the SSTables that no live version holds any more become obsolete.
import { SSTableReader } from "../sstable/reader.js";
import { SSTableEntry } from "./manifest.js";
import { invariant } from "../storage/errors.js";

export interface LiveTable {
  readonly entry: SSTableEntry;
  readonly reader: SSTableReader;
}

export class Version {
  private pins = 0;

  constructor(
    readonly tables: readonly LiveTable[],
    private readonly released: (v: Version) => void,
  ) {}

  get entries(): SSTableEntry[] {
    return this.tables.map((t) => t.entry);
  }

  get readers(): SSTableReader[] {
    return this.tables.map((t) => t.reader);
  }

  /** Pins this version; pair with one unpin(). */
  pin(): this {
    invariant(this.pins > 0, "pin of a released version");
    this.pins++;
    return this;
  }

  unpin(): void {
    invariant(this.pins > 0, "unpin of a version nobody holds");
    if (--this.pins === 0) this.released(this);
  }

  /** The first pin, taken by the VersionSet when it installs the version. */
  static installed(tables: readonly LiveTable[], released: (v: Version) => void): Version {
    const v = new Version(tables, released);
    v.pins = 1;
    return v;
  }

  get pinned(): number {
    return this.pins;
  }
}
