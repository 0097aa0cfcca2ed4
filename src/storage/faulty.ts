// A Storage wrapper for tests that counts every operation and injects one
// fault at a chosen operation index:
// - "fail": the operation throws InjectedFaultError without running (a
//   transient I/O error; the process lives on);
// - "short-write": an append or write stores only part of its bytes, then
//   throws (other operations just fail);
// - "crash": the process dies. That operation and every later one through
//   this wrapper throw SimulatedCrashError; `onCrash` runs once, and is where
//   a test drops unflushed data (MemoryStorage.crash). An append or write hit
//   by the crash may store part of its bytes first (`partial`).
// Running a workload once without a fault gives the operation count; running
// it again with the fault at every index in turn covers every crash point.
import { Storage, StorageFile, OpenOptions, Release } from "./storage.js";
import { StorageError } from "./errors.js";

export type StorageOp =
  | "open" | "exists" | "list" | "rename" | "delete" | "lock" | "unlock" | "close-storage"
  | "size" | "read" | "append" | "write" | "truncate" | "flush" | "close";

/** Releasing resources: "fail" and "short-write" skip these (crashes do not). */
const RELEASES: ReadonlySet<StorageOp> = new Set(["close", "unlock", "close-storage"]);

export type FaultKind = "fail" | "short-write" | "crash";

export interface Fault {
  kind: FaultKind;
  /**
   * Index of the operation hit, counting every operation from 0. A crash hits
   * exactly this one; fail and short-write hit the first from here that is
   * not a close or an unlock.
   */
  at: number;
  /**
   * Bytes of the hit append or write stored before the fault: for
   * short-write default half, for crash default none.
   */
  partial?: (length: number) => number;
}

export interface FaultyStorageOptions {
  fault?: Fault | null;
  /** runs once when the crash happens, before the crashing operation throws */
  onCrash?: () => void;
  /**
   * Sees every operation before it runs (`bytes`: the length of an append or
   * write), and may hold it back by returning a promise.
   */
  onOp?: (op: StorageOp, index: number, name: string, bytes?: number) => void | Promise<void>;
}

export class InjectedFaultError extends StorageError {
  constructor(op: StorageOp, file: string, index: number) {
    super("INJECTED_FAULT", file, `injected fault in ${op} (operation ${index})`);
  }
}

export class SimulatedCrashError extends StorageError {
  constructor(op: StorageOp, file: string) {
    super("SIMULATED_CRASH", file, `${op} after a simulated crash`);
  }
}

type Outcome = "ok" | "fail" | "short" | "crash";

class FaultState {
  ops = 0;
  readonly counts = new Map<StorageOp, number>();
  crashed = false;
  private fired = false;
  constructor(private readonly options: FaultyStorageOptions) {}

  async step(op: StorageOp, name: string, bytes?: number): Promise<{ outcome: Outcome; index: number }> {
    if (this.crashed) throw new SimulatedCrashError(op, name);
    const index = this.ops++;
    this.counts.set(op, (this.counts.get(op) ?? 0) + 1);
    await this.options.onOp?.(op, index, name, bytes);
    if (this.crashed) throw new SimulatedCrashError(op, name);
    const f = this.options.fault;
    if (!f || this.fired) return { outcome: "ok", index };
    if (f.kind === "crash") {
      if (index !== f.at) return { outcome: "ok", index };
      this.fired = true;
      return { outcome: "crash", index };
    }
    if (index < f.at || RELEASES.has(op)) return { outcome: "ok", index };
    this.fired = true;
    return { outcome: f.kind === "fail" ? "fail" : "short", index };
  }

  crash(op: StorageOp, name: string): never {
    this.crashed = true;
    this.options.onCrash?.();
    throw new SimulatedCrashError(op, name);
  }

  /** Runs `run`, or the fault that hits it. */
  async guard<T>(op: StorageOp, name: string, run: () => Promise<T>): Promise<T> {
    const { outcome, index } = await this.step(op, name);
    // calls side by side: another may have crashed the process while this one waited its turn
    if (this.crashed) throw new SimulatedCrashError(op, name);
    if (outcome === "ok") return run();
    if (outcome === "crash") this.crash(op, name);
    throw new InjectedFaultError(op, name, index);
  }

  /** The same for appends and writes, which a fault may tear. */
  async guardWrite(op: StorageOp, name: string, data: Uint8Array, run: (d: Uint8Array) => Promise<void>): Promise<void> {
    const { outcome, index } = await this.step(op, name, data.length);
    if (outcome === "ok") return run(data);
    if (outcome !== "fail") {
      const f = this.options.fault!;
      const dflt = outcome === "short" ? Math.floor(data.length / 2) : 0;
      const k = Math.min(data.length, Math.max(0, Math.floor(f.partial ? f.partial(data.length) : dflt)));
      if (k > 0) await run(data.subarray(0, k));
    }
    if (outcome === "crash") this.crash(op, name);
    throw new InjectedFaultError(op, name, index);
  }
}

export class FaultyStorage implements Storage {
  private readonly state: FaultState;

  constructor(
    readonly inner: Storage,
    options: FaultyStorageOptions = {},
  ) {
    this.state = new FaultState(options);
  }

  get location(): string {
    return `faulty:${this.inner.location}`;
  }
  /** Operations seen so far. */
  get ops(): number {
    return this.state.ops;
  }
  get crashed(): boolean {
    return this.state.crashed;
  }
  count(op: StorageOp): number {
    return this.state.counts.get(op) ?? 0;
  }

  open(name: string, options?: OpenOptions): Promise<StorageFile> {
    return this.state.guard("open", name, async () => new FaultyFile(await this.inner.open(name, options), this.state));
  }
  exists(name: string): Promise<boolean> {
    return this.state.guard("exists", name, () => this.inner.exists(name));
  }
  list(prefix: string): Promise<string[]> {
    return this.state.guard("list", prefix, () => this.inner.list(prefix));
  }
  rename(from: string, to: string): Promise<void> {
    return this.state.guard("rename", from, () => this.inner.rename(from, to));
  }
  delete(name: string): Promise<void> {
    return this.state.guard("delete", name, () => this.inner.delete(name));
  }
  lock(name: string): Promise<Release> {
    return this.state.guard("lock", name, async () => {
      const release = await this.inner.lock(name);
      return () => this.state.guard("unlock", name, release);
    });
  }
  close(): Promise<void> {
    return this.state.guard("close-storage", "", () => this.inner.close());
  }
}

class FaultyFile implements StorageFile {
  constructor(
    private readonly f: StorageFile,
    private readonly state: FaultState,
  ) {}
  get name(): string {
    return this.f.name;
  }
  get writable(): boolean {
    return this.f.writable;
  }
  size(): Promise<number> {
    return this.state.guard("size", this.name, () => this.f.size());
  }
  read(offset: number, length: number): Promise<Uint8Array> {
    return this.state.guard("read", this.name, () => this.f.read(offset, length));
  }
  append(data: Uint8Array): Promise<void> {
    return this.state.guardWrite("append", this.name, data, (d) => this.f.append(d));
  }
  write(offset: number, data: Uint8Array): Promise<void> {
    return this.state.guardWrite("write", this.name, data, (d) => this.f.write(offset, d));
  }
  truncate(size: number): Promise<void> {
    return this.state.guard("truncate", this.name, () => this.f.truncate(size));
  }
  flush(): Promise<void> {
    return this.state.guard("flush", this.name, () => this.f.flush());
  }
  close(): Promise<void> {
    return this.state.guard("close", this.name, () => this.f.close());
  }
}
