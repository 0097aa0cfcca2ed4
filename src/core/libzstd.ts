// libzstd 1.5.7, the version Cassandra's build pins (zstd-jni 1.5.7-2),
// compiled to wasm by @bokuweb/zstd-wasm (0.0.27, pinned exactly): the core
// calls its ZSTD_compress through the `host.zstdCompress` import to write
// Zstd chunks with Cassandra's bytes (assembly/encoding/zstd-frame.ts keeps
// the frame's header bit and checksum). The module is compiled the way each
// runtime compiles the core (load-node.ts, load-browser.ts, the Deno and
// Workers entries) and instantiated here with a few stand-ins for the
// emscripten runtime it was built against, so no glue code runs and Workers,
// which forbid compiling wasm from bytes, import it as a module.
import { CoreLoadError } from "../errors.js";

let moduleSource: WebAssembly.Module | null = null;
let lib: Libzstd | null = null;
let missing = "import an entry point that loads it";

export function setLibzstdModule(m: WebAssembly.Module): void {
  moduleSource = m;
  lib = null;
}

/**
 * libzstd.wasm could not be loaded: everything but writing Zstd chunks still
 * works (reading them is the core's), and a Zstd write fails with this reason.
 */
export function setLibzstdMissing(reason: string): void {
  missing = reason;
}

export function hasLibzstdModule(): boolean {
  return moduleSource !== null;
}

/** Fails, naming the cause, unless Zstd chunks can be written. */
export function requireLibzstd(): void {
  if (!moduleSource) throw new CoreLoadError(`writing Zstd chunks needs libzstd.wasm, which was not loaded: ${missing}`);
  instance();
}

interface Exports {
  memory: WebAssembly.Memory;
  ctors(): void;
  compressBound(n: number): number;
  isError(code: number): number;
  compress(dst: number, cap: number, src: number, n: number, level: number): number;
  malloc(n: number): number;
  free(p: number): void;
}

// The build's export names are minified; these are its glue's (dist/esm/zstd.js
// of 0.0.27): ___wasm_call_ctors, ZSTD_compressBound, ZSTD_isError,
// ZSTD_compress, malloc, free. Checked by kind and arity when instantiated.
const EXPORTS: Record<keyof Exports, [string, number]> = {
  memory: ["f", -1],
  ctors: ["g", 0],
  isError: ["h", 1],
  compressBound: ["i", 1],
  compress: ["m", 5],
  malloc: ["s", 1],
  free: ["t", 1],
};

class Libzstd {
  readonly x: Exports;
  private buf = 0;
  private bufCap = 0;

  constructor(m: WebAssembly.Module) {
    const stop = (what: string) => () => {
      throw new WebAssembly.RuntimeError(`libzstd: ${what}`);
    };
    let memory: WebAssembly.Memory | null = null;
    const instance = new WebAssembly.Instance(m, {
      a: {
        a: stop("exit"), // proc_exit
        b: () => {}, // emscripten_runtime_keepalive_clear
        c: stop("abort"), // _abort_js
        d: () => 0, // _setitimer_js: no timers in a one-shot compressor
        e: (size: number) => growTo(memory!, size >>> 0), // emscripten_resize_heap
      },
    });
    const e = instance.exports;
    const x = {} as Record<string, unknown>;
    for (const [name, [key, arity]] of Object.entries(EXPORTS)) {
      const v = e[key];
      const ok = arity < 0 ? v instanceof WebAssembly.Memory : typeof v === "function" && v.length === arity;
      if (!ok) throw new CoreLoadError(`libzstd.wasm is not the build this version expects (export ${key} for ${name})`);
      x[name] = v;
    }
    this.x = x as unknown as Exports;
    memory = this.x.memory;
    this.x.ctors();
    // ZSTD_COMPRESSBOUND(1000): a wrong mapping shows here rather than in a chunk
    if (this.x.compressBound(1000) !== 1066) throw new CoreLoadError("libzstd.wasm is not the build this version expects (compressBound)");
  }

  /** ZSTD_compress of `src` into `dst` (its capacity); the frame's length, or -1. */
  compress(src: Uint8Array, dst: Uint8Array, level: number): number {
    const x = this.x;
    const need = src.length + dst.length;
    if (need > this.bufCap) {
      if (this.buf) x.free(this.buf);
      this.buf = x.malloc(need);
      this.bufCap = this.buf ? need : 0;
      if (!this.buf) return -1;
    }
    const s = this.buf;
    const d = s + src.length;
    new Uint8Array(x.memory.buffer, s, src.length).set(src);
    const n = x.compress(d, dst.length, s, src.length, level) >>> 0;
    if (x.isError(n)) return -1;
    dst.set(new Uint8Array(x.memory.buffer, d, n));
    return n;
  }
}

function growTo(memory: WebAssembly.Memory, size: number): boolean {
  const have = memory.buffer.byteLength;
  if (size <= have) return true;
  try {
    memory.grow(Math.ceil((size - have) / 65536));
    return true;
  } catch {
    return false;
  }
}

function instance(): Libzstd {
  if (!moduleSource) throw new CoreLoadError("libzstd.wasm is not loaded");
  lib ??= new Libzstd(moduleSource);
  return lib;
}

/**
 * The core's `host.zstdCompress` import: libzstd's frame for the core's
 * src[0..n) at `level`, written to the core's dst[0..cap). A failure (no
 * libzstd, a trap inside it) returns -1 and the core reports it; the libzstd
 * instance is then discarded, as the core discards its own after a trap.
 */
export function zstdCompressImport(memory: () => WebAssembly.Memory): (src: number, n: number, dst: number, cap: number, level: number) => number {
  return (src, n, dst, cap, level) => {
    try {
      const m = memory().buffer;
      return instance().compress(new Uint8Array(m, src, n), new Uint8Array(m, dst, cap), level);
    } catch {
      lib = null;
      return -1;
    }
  };
}
