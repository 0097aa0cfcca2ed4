// The host APIs every runtime the engine runs on provides (browsers, workers,
// Node, Deno, workerd): the common web platform subset, declared as narrowly
// as the platform-free code uses it. tsconfig.core.json type-checks that code
// with these and ES only, so a DOM or Node API there fails the check.
// Add a member here only if every runtime has it.

declare class TextEncoder {
  encode(input?: string): Uint8Array;
  encodeInto(source: string, destination: Uint8Array): { read: number; written: number };
}
declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: ArrayBufferView | ArrayBuffer, options?: { stream?: boolean }): string;
}

declare var performance: { now(): number };
declare var crypto: { getRandomValues<T extends ArrayBufferView>(array: T): T };
declare function structuredClone<T>(value: T): T;
declare function setTimeout(handler: () => void, ms?: number): unknown;
declare function clearTimeout(id: unknown): void;
declare function atob(data: string): string;
declare function btoa(data: string): string;

type BlobPart = ArrayBufferView | ArrayBuffer | Blob | string;
declare class Blob {
  constructor(parts?: BlobPart[], options?: { type?: string });
  readonly size: number;
  slice(start?: number, end?: number): Blob;
  arrayBuffer(): Promise<ArrayBuffer>;
}

type ReadableStreamReadResult<T> = { done: false; value: T } | { done: true; value?: undefined };
interface ReadableStreamDefaultReader<T> {
  read(): Promise<ReadableStreamReadResult<T>>;
  releaseLock(): void;
  cancel(reason?: unknown): Promise<void>;
}
declare class ReadableStream<R = unknown> {
  getReader(): ReadableStreamDefaultReader<R>;
}
// WebAssembly: types/webassembly.d.ts
