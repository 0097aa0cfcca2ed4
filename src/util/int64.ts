// The signed 64-bit range: Cassandra's bigint, counter and timestamp values,
// write timestamps, and Murmur3 tokens all live in it.
export const I64_MIN = -(2n ** 63n);
export const I64_MAX = 2n ** 63n - 1n;
