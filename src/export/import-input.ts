// What an import reads from: zip bytes, a Blob or File, a zip file or a
// snapshot directory by path (Node), a stream of zip bytes, or a name → bytes
// map. Each becomes a list of files whose bytes are read on demand, so nothing
// is held whole. A zip is read from its central directory (zip-central.ts);
// a stream cannot be read that way, so it is first copied into storage.
import type { Storage, StorageFile } from "../storage/storage.js";
import { RandomAccess, readCentralDirectory } from "./zip-central.js";
import { entryBytes } from "./zip-entry.js";
import { ImportLimits } from "./import-limits.js";
import { ImportError, ImportLimitError } from "./import-errors.js";

export type ImportInput =
  | Uint8Array
  | Map<string, Uint8Array>
  | Blob
  | ReadableStream<Uint8Array>
  | AsyncIterable<Uint8Array>
  | string;

/** One file to import: a zip entry, or a file in a directory. */
export interface ImportFile {
  /** its path inside the zip or directory, "/"-separated */
  name: string;
  size: number;
  /** its bytes in order; `onRead` hears the input bytes each piece consumed */
  bytes(onRead: (n: number) => void): AsyncIterable<Uint8Array>;
}

export interface ImportArchive {
  files: ImportFile[];
  /** the input's size, when known */
  bytesTotal: number | null;
  close(): Promise<void>;
}

const PIECE = 1 << 20;

/** Bytes or a Blob, read in place at any offset. */
export function randomAccessOf(input: Uint8Array | Blob): RandomAccess {
  return input instanceof Uint8Array ? bytesSource(input) : blobSource(input);
}

function bytesSource(b: Uint8Array): RandomAccess {
  return { size: b.length, read: async (o, l) => b.subarray(o, o + l), close: async () => undefined };
}

function blobSource(blob: Blob): RandomAccess {
  return { size: blob.size, read: async (o, l) => new Uint8Array(await blob.slice(o, o + l).arrayBuffer()), close: async () => undefined };
}

function fileSource(f: StorageFile, size: number): RandomAccess {
  return { size, read: (o, l) => f.read(o, Math.max(0, Math.min(l, size - o))), close: () => f.close() };
}

/**
 * The part of node:fs/promises a path import uses: found at run time where a
 * runtime has it, so this file stays platform-free (tsconfig.core.json).
 */
interface NodeFs {
  open(path: string, flags: "r"): Promise<{
    stat(): Promise<{ size: number }>;
    read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<{ bytesRead: number }>;
    close(): Promise<void>;
  }>;
  stat(path: string): Promise<{ size: number; isDirectory(): boolean }>;
  readdir(path: string, options: { withFileTypes: true }): Promise<{ name: string; isDirectory(): boolean; isFile(): boolean }[]>;
}

/** node:fs/promises where the runtime has it (Node, Deno's Node layer), reached without an import a browser bundle would trip on. */
function nodeFs(): NodeFs | null {
  const p = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  return (p?.getBuiltinModule?.("node:fs/promises") as NodeFs | undefined) ?? null;
}

async function pathSource(fs: NodeFs, path: string): Promise<RandomAccess> {
  const fh = await fs.open(path, "r");
  const size = (await fh.stat()).size;
  return {
    size,
    read: async (o, l) => {
      const buf = new Uint8Array(Math.max(0, Math.min(l, size - o)));
      const { bytesRead } = await fh.read(buf, 0, buf.length, o);
      return buf.subarray(0, bytesRead);
    },
    close: () => fh.close(),
  };
}

async function* pieces(src: RandomAccess, onRead: (n: number) => void): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < src.size; ) {
    const b = await src.read(at, Math.min(PIECE, src.size - at));
    if (b.length === 0) throw new ImportError(`a file shrank while it was read (at ${at} of ${src.size} bytes)`);
    at += b.length;
    onRead(b.length);
    yield b;
  }
}

async function zipArchive(src: RandomAccess, limits: ImportLimits, cleanup: () => Promise<void> = async () => undefined): Promise<ImportArchive> {
  try {
    const entries = await readCentralDirectory(src, limits.maxEntries);
    return {
      files: entries.filter((e) => !e.name.endsWith("/")).map((e) => ({ name: e.name, size: e.size, bytes: (onRead) => entryBytes(src, e, onRead) })),
      bytesTotal: src.size,
      close: async () => {
        await src.close();
        await cleanup();
      },
    };
  } catch (e) {
    await src.close();
    await cleanup();
    throw e;
  }
}

async function directoryArchive(fs: NodeFs, root: string, limits: ImportLimits): Promise<ImportArchive> {
  const files: ImportFile[] = [];
  let total = 0;
  const walk = async (rel: string, depth: number) => {
    if (depth > 16) throw new ImportError(`directory nested more than 16 deep at '${rel.slice(0, 160)}'`);
    const dirents = await fs.readdir(rel ? `${root}/${rel}` : root, { withFileTypes: true });
    for (const d of dirents.sort((a, b) => (a.name < b.name ? -1 : 1))) {
      const name = rel ? `${rel}/${d.name}` : d.name;
      if (d.isDirectory()) await walk(name, depth + 1);
      else if (d.isFile()) {
        if (files.length >= limits.maxEntries) throw new ImportLimitError("maxEntries", limits.maxEntries, "the directory's files");
        const path = `${root}/${name}`;
        const size = (await fs.stat(path)).size;
        total += size;
        files.push({
          name, size,
          bytes: async function* (onRead) {
            const src = await pathSource(fs, path);
            try {
              yield* pieces(src, onRead);
            } finally {
              await src.close();
            }
          },
        });
      }
    }
  };
  await walk("", 0);
  return { files, bytesTotal: total, close: async () => undefined };
}

/** Copies a stream into `name` in storage, at most `limit` bytes. */
async function spool(storage: Storage, name: string, input: AsyncIterable<Uint8Array>, limit: number): Promise<RandomAccess> {
  const f = await storage.open(name, { create: true, truncate: true });
  try {
    let at = 0;
    for await (const chunk of input) {
      if (!(chunk instanceof Uint8Array)) throw new ImportError("the stream must yield Uint8Array chunks");
      if (at + chunk.length > limit) throw new ImportLimitError("maxTotalBytes", limit, "the zip stream");
      for (let i = 0; i < chunk.length; i += PIECE) await f.write(at + i, chunk.subarray(i, i + PIECE));
      at += chunk.length;
    }
    await f.flush();
    return fileSource(f, at);
  } catch (e) {
    await f.close();
    await storage.delete(name);
    throw e;
  }
}

async function* fromReadable(s: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  const r = s.getReader();
  try {
    for (;;) {
      const { done, value } = await r.read();
      if (done) return;
      yield value;
    }
  } finally {
    r.releaseLock();
  }
}

/**
 * Opens the input. A stream is copied into storage at `spoolName` first (and
 * removed when the archive closes); everything else is read in place.
 */
export async function openArchive(input: ImportInput, storage: Storage, spoolName: string, limits: ImportLimits): Promise<ImportArchive> {
  if (input instanceof Uint8Array) return zipArchive(bytesSource(input), limits);
  if (input instanceof Map) {
    if (input.size > limits.maxEntries) throw new ImportLimitError("maxEntries", limits.maxEntries, "the files given");
    const files = [...input].map(([name, b]): ImportFile => ({ name, size: b.length, bytes: (onRead) => pieces(bytesSource(b), onRead) }));
    return { files, bytesTotal: files.reduce((n, f) => n + f.size, 0), close: async () => undefined };
  }
  if (typeof Blob !== "undefined" && input instanceof Blob) return zipArchive(blobSource(input), limits);
  if (typeof input === "string") {
    const fs = nodeFs();
    if (!fs) throw new ImportError("a path can be imported only where node:fs exists; pass a File, a Blob, a stream or bytes");
    const st = await fs.stat(input).catch(() => null);
    if (!st) throw new ImportError(`no such file or directory: '${input.slice(0, 200)}'`);
    return st.isDirectory() ? directoryArchive(fs, input, limits) : zipArchive(await pathSource(fs, input), limits);
  }
  const stream = typeof ReadableStream !== "undefined" && input instanceof ReadableStream ? fromReadable(input) : (input as AsyncIterable<Uint8Array>);
  if (!stream || typeof (stream as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== "function")
    throw new ImportError("import takes zip bytes, a Blob or File, a path, a stream of zip bytes, or a name → bytes map");
  return zipArchive(await spool(storage, spoolName, stream, limits.maxTotalBytes), limits, () => storage.delete(spoolName));
}
