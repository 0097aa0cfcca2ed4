// What every runtime's entry exports once it has given the engine its wasm core.
export { WriteEngine, EngineClosedError } from "../engine/engine.js";
export type { EngineConfig, MaintenanceReport, MaintenanceStats } from "../engine/engine.js";
export { MemoryStorage } from "../storage/memory.js";
export type { Storage } from "../storage/storage.js";
export { handleSSTables } from "../edge/service.js";
export type { ServiceOptions } from "../edge/service.js";
export { SSTableReader } from "../sstable/reader.js";
export { parseTable } from "../cql/ddl.js";
export { CqliteError } from "../errors.js";
export { ImportError, ZipError, ZipBombError, ImportLimitError, DEFAULT_IMPORT_LIMITS } from "../export/import.js";
export type { ImportOptions, ImportProgress, ImportLimits, ImportInput } from "../export/import.js";
export { Decimal, Duration } from "../types/values.js";
