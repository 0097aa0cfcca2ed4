// The one home of the core's format constants. This file is plain
// TypeScript that AssemblyScript also compiles (no AS-only types), so the
// host imports the very same values: nothing is written down twice.

// ---- error codes reported by the core (host maps them to typed errors)
export const ERR_TRUNCATED = 1;
export const ERR_CORRUPT = 2;
export const ERR_CHECKSUM = 3;
export const ERR_UNSUPPORTED = 4;
export const ERR_ORDER = 5;
export const ERR_INVALID = 6;

// ---- Data.db unfiltered flags (UnfilteredSerializer)
export const UF_END_OF_PARTITION = 0x01;
export const UF_IS_MARKER = 0x02;
export const UF_HAS_TIMESTAMP = 0x04;
export const UF_HAS_TTL = 0x08;
export const UF_HAS_DELETION = 0x10;
export const UF_HAS_ALL_COLUMNS = 0x20;
export const UF_HAS_COMPLEX_DELETION = 0x40;
export const UF_EXTENSION_FLAG = 0x80;
// extended flags
export const UFX_IS_STATIC = 0x01;
export const UFX_HAS_SHADOWABLE_DELETION = 0x02;

// ---- cell flags (Cell serializer)
export const CELL_IS_DELETED = 0x01;
export const CELL_IS_EXPIRING = 0x02;
export const CELL_HAS_EMPTY_VALUE = 0x04;
export const CELL_USE_ROW_TIMESTAMP = 0x08;
export const CELL_USE_ROW_TTL = 0x10;

// ---- ClusteringPrefix.Kind ordinals, in Cassandra's order
// 'oa' DeletionTime: this one byte stands for a live (no) deletion
export const DELETION_LIVE_BYTE = 0x80;

export const KIND_EXCL_END_BOUND = 0;
export const KIND_INCL_START_BOUND = 1;
export const KIND_EXCL_END_INCL_START_BOUNDARY = 2;
export const KIND_STATIC_CLUSTERING = 3;
export const KIND_CLUSTERING = 4;
export const KIND_INCL_END_EXCL_START_BOUNDARY = 5;
export const KIND_INCL_END_BOUND = 6;
export const KIND_EXCL_START_BOUND = 7;

// ---- "no value" sentinels (LivenessInfo / DeletionTime / Cell)
export const NO_TIMESTAMP_HI = -2147483648; // high word of Long.MIN_VALUE
export const NO_DELETION_TIME = 2147483647; // Integer.MAX_VALUE

// EncodingStats epochs: deltas in Data.db are taken against the SSTable's
// minimum, and the minimum itself against these (2015-09-22T00:00:00Z).
export const TIMESTAMP_EPOCH_SECONDS = 1442880000;
export const DELETION_TIME_EPOCH = 1442880000;
export const TTL_EPOCH = 0;

// ---- type codes of the core's type descriptors (see docs/core-abi.md)
export const T_ASCII = 1;
export const T_TEXT = 2;
export const T_INT = 3;
export const T_BIGINT = 4;
export const T_SMALLINT = 5;
export const T_TINYINT = 6;
export const T_VARINT = 7;
export const T_DECIMAL = 8;
export const T_FLOAT = 9;
export const T_DOUBLE = 10;
export const T_BOOLEAN = 11;
export const T_BLOB = 12;
export const T_UUID = 13;
export const T_TIMEUUID = 14;
export const T_TIMESTAMP = 15;
export const T_DATE = 16;
export const T_TIME = 17;
export const T_DURATION = 18;
export const T_INET = 19;
export const T_COUNTER = 20;
export const T_LIST = 21;
export const T_SET = 22;
export const T_MAP = 23;
export const T_TUPLE = 24;
export const T_UDT = 25;
export const T_EMPTY = 26;
// modifiers, OR-ed into the code byte
export const T_FROZEN = 0x40;
export const T_REVERSED = 0x80;

// ---- row stream (the core's decoded form; see docs/core-abi.md)
export const RS_PARTITION = 0x50; // 'P'
export const RS_ROW = 0x52; // 'R'
export const RS_STATIC = 0x53; // 'S'
export const RS_MARKER = 0x4d; // 'M'
export const RS_END = 0x45; // 'E'
export const RS_CELL_DELETED = 0x01;
export const RS_CELL_EXPIRING = 0x02;
export const RS_CELL_HAS_PATH = 0x04;
// A row in compact form: the body leaves out what a plain write holds at its
// defaults (no TTL, no row deletion, no complex deletion, cells at the row's
// timestamp), a fifth of a short row's bytes in the log and the memtable.
export const RS_ROW_COMPACT = 0x72; // 'r'
export const RC_LIVENESS = 0x01; // i64 liveness timestamp follows
export const RC_TTL = 0x02; // i32 TTL, i32 local expiration time follow (with RC_LIVENESS only)
export const RC_DELETION = 0x04; // i64 markedForDeleteAt, i32 local deletion time follow
export const RC_SHADOWABLE = 0x08;
export const RC_COMPLEX_DELETIONS = 0x10; // u32 count and the deletions follow the cells
export const RC_ALL = 0x1f;
export const RS_CELL_ROW_TIMESTAMP = 0x08; // compact rows only: the timestamp is the row's liveness timestamp, left out
export const RS_CELL_COMPACT_ALL = RS_CELL_DELETED | RS_CELL_EXPIRING | RS_CELL_HAS_PATH | RS_CELL_ROW_TIMESTAMP;
// A long row body's fixed fields (assembly/stream.ts), as offsets from its
// start: readers that find them all there load them in place.
export const RS_BODY_LIV_TS_AT = 0;
export const RS_BODY_LIV_TTL_AT = 8;
export const RS_BODY_LIV_LDT_AT = 12;
export const RS_BODY_DEL_MFDA_AT = 16;
export const RS_BODY_DEL_LDT_AT = 24;
export const RS_BODY_SHADOWABLE_AT = 28;
export const RS_BODY_CELLS_AT = 29; // u32 cell count
export const RS_BODY_FIXED = 33;
// a long cell's, likewise; its path (if any) or value length follows them
export const RS_CELL_COL_AT = 0;
export const RS_CELL_FLAGS_AT = 2;
export const RS_CELL_TS_AT = 3;
export const RS_CELL_TTL_AT = 11;
export const RS_CELL_LDT_AT = 15;
export const RS_CELL_FIXED = 19;

// ---- what a core writer yields (the host drains DATA and INDEX as they grow)
export const OUT_DATA = 0;
export const OUT_INDEX = 1;
export const OUT_SUMMARY = 2;
export const OUT_FILTER = 3;
export const OUT_STATS = 4;
export const OUT_CHUNK_OFFSETS = 5;
export const OUT_CHUNK_CRCS = 6;
export const OUT_SKETCH = 7; // the serialized cardinality sketch

// Summary.db: the sampling level of a summary holding every min_index_interval-th entry
export const BASE_SAMPLING_LEVEL = 128;

// ---- the memtable in the core (assembly/memtable)
// The size of one slab of its arena: large enough that a memtable is a few
// dozen blocks to the allocator, small enough that an empty one costs little.
export const MEMTABLE_SLAB_BYTES = 1 << 20;
// memStat selectors: the EncodingStats minimums, and which of them are set
export const MEM_STAT_MIN_TIMESTAMP = 0;
export const MEM_STAT_MIN_DELETION_TIME = 1;
export const MEM_STAT_MIN_TTL = 2;
export const MEM_STAT_SET = 3;
export const MEM_STAT_SET_TIMESTAMP = 1;
export const MEM_STAT_SET_DELETION_TIME = 2;
export const MEM_STAT_SET_TTL = 4;

// ---- a batch of rows staged in columns (assembly/batch/; docs/core-abi.md, "Batch")
// what a staged column holds per row (host typed arrays, little-endian)
export const BATCH_I8 = 1; // Int32Array, one byte written (tinyint, boolean)
export const BATCH_I16 = 2; // Int32Array, two bytes written (smallint)
export const BATCH_I32 = 3; // Int32Array (int, date already biased by 2^31)
export const BATCH_I64 = 4; // BigInt64Array (bigint, counter, timestamp, time)
export const BATCH_F32 = 5; // Float32Array (float)
export const BATCH_F64 = 6; // Float64Array (double)
export const BATCH_BYTES = 7; // Int32Array of n+1 offsets into one byte buffer
// a multi-cell column (non-frozen collection or UDT), bytes and offsets as
// BATCH_BYTES: per row its elements, each u8 deleted, i32 pathLen, path,
// i32 valueLen, value (big-endian), in path order; the whole value replaces
// what was there (a complex deletion just before the write)
export const BATCH_CELLS = 8;
// a value column's per-row presence byte
export const BATCH_ABSENT = 0;
export const BATCH_NULL = 1;
export const BATCH_VALUE = 2;
// which statement's rule makes the rows (src/cql/records.ts, src/cql/execute.ts)
export const BATCH_MODE_RECORD = 0; // a plain record: row liveness, the row always written
export const BATCH_MODE_INSERT = 1; // INSERT: row liveness; no row for statics alone without clustering
export const BATCH_MODE_UPDATE = 2; // UPDATE: no liveness; a row only when it has cells
// words of the batch header, then BATCH_COLUMN_WORDS per column (i32, little-endian)
export const BATCH_HEADER_WORDS = 13;
export const BATCH_COLUMN_WORDS = 6;
