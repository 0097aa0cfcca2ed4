// The public API every runtime's entry exports once it has given the engine
// its wasm core: named here once, documented at each declaration.

// the engine
export { WriteEngine, EngineClosedError } from "../engine/engine.js";
export type { EngineConfig, OpenReport, MaintenanceReport, MaintenanceStats } from "../engine/engine.js";
export type { SSTableEntry } from "../version/manifest.js";
export type { SSTableInfo } from "../sstable/writer.js";
export type { PolicySpec } from "../compaction/policies.js";
export type { WalSyncPolicy, TornTail } from "../wal/wal.js";
export type { FormatVersion } from "../sstable/version.js";
export type { ExportOptions, ExportReport } from "../export/export.js";
export type { ChunkSink } from "../export/zip.js";
export type { CqlRow } from "../read/materialize.js";
export type { Params } from "../cql/values.js";
export type { CqlValue } from "../types/codec.js";
export { Decimal, Duration } from "../types/values.js";

// storage that works everywhere (each runtime adds its own)
export { MemoryStorage } from "../storage/memory.js";
export type { MemoryStorageOptions } from "../storage/memory.js";
export type { Storage, StorageFile, OpenOptions as StorageOpenOptions, Release } from "../storage/storage.js";

// hand-built mutations for WriteEngine.write
export * from "../mutation/builders.js";
export type { Partition, Row, Cell, Liveness, DeletionTime, RangeMarker, Unfiltered } from "../sstable/model.js";
export { LIVE, MARKER_KINDS } from "../sstable/model.js";

// schemas and readers of SSTables (Cassandra's or this engine's)
export { parseTable, parseSchema } from "../cql/ddl.js";
export type { ParsedSchema, DdlOptions } from "../cql/ddl.js";
export { TableSchema } from "../schema/schema.js";
export type { ColumnDef, ColumnKind, TableOptions, CompressionOptions } from "../schema/schema.js";
export type { CqlType } from "../types/cqltype.js";
export { SSTableReader } from "../sstable/reader.js";
export type { OpenOptions as ReaderOptions } from "../sstable/reader.js";
export { openImports } from "../export/import.js";
export type { ImportedSSTable } from "../export/import.js";
export { materialize } from "../read/materialize.js";
export type { MaterializeOptions } from "../read/materialize.js";
export { dumpJson } from "../tools/dump.js";
export type { DumpOptions } from "../tools/dump.js";
export { validate } from "../tools/validate.js";
export type { ValidationReport } from "../tools/validate.js";

// the edge service: rows in, a zip of SSTables out
export { handleSSTables } from "../edge/service.js";
export type { ServiceOptions } from "../edge/service.js";

// errors: every one is a CqliteError with a stable code
export { CqliteError, CorruptSSTableError, UnsupportedFormatError, CqlSyntaxError, SchemaError, InvalidValueError } from "../errors.js";
export { InvalidRequestError } from "../cql/errors.js";
export { StorageError, DatabaseLockedError, QuotaExceededError, FileNotFoundError, StorageClosedError } from "../storage/errors.js";
export { WalCorruptionError } from "../wal/errors.js";
export { ExportError } from "../export/export.js";
export { ImportError, ZipError, ZipBombError, ImportLimitError, DEFAULT_IMPORT_LIMITS } from "../export/import.js";
export type { ImportOptions, ImportProgress, ImportLimits, ImportInput } from "../export/import.js";
export { InvalidMutationError, MutationTooLargeError, BadMutationPayloadError } from "../engine/mutation.js";
export { InvalidPagingStateError } from "../read/paging.js";
export { PartitionTooLargeError } from "../read/read-path.js";
