// Errors cross the wasm boundary as (code, offset): the core records them
// here and aborts; the host reads them back and throws a typed error that
// names the file and the offset. Codes live in format/constants.ts.
export { ERR_TRUNCATED, ERR_CORRUPT, ERR_CHECKSUM, ERR_UNSUPPORTED, ERR_ORDER, ERR_INVALID } from "../format/constants";

export let errCode: i32 = 0;
export let errOffset: i32 = 0;

export function fail(code: i32, offset: i32): void {
  errCode = code;
  errOffset = offset;
  throw new Error("cqlite core error");
}

export function clearError(): void {
  errCode = 0;
  errOffset = 0;
}
