// The byte-comparable form a partition key is filed under in Partitions.db,
// and the hash byte kept beside it: one Murmur3 x64-128 hash gives both the
// token (its first half, Long.MIN_VALUE taken as MAX_VALUE) and the bloom
// filter's second half, whose low byte is the hash byte.
import { core } from "../../core/core.js";
import { decoratedKey } from "./byte-comparable.js";
import { I64_MIN, I64_MAX } from "../../util/int64.js";

export function trieKey(key: Uint8Array, byteOrdered: boolean): { bc: Uint8Array; hashByte: number } {
  const k = core();
  let h1 = 0n;
  const h2 = k.call((x) => {
    h1 = x.murmurHash(k.put(key), key.length);
    return x.murmurHash2();
  });
  const token = byteOrdered ? null : h1 === I64_MIN ? I64_MAX : h1;
  return { bc: decoratedKey(token, key), hashByte: Number(h2 & 0xffn) };
}
