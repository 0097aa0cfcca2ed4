// Murmur3Partitioner tokens through the core.
import { core } from "./core.js";

export function tokenOf(key: Uint8Array): bigint {
  const k = core();
  return k.call((x) => x.murmurToken(k.put(key), key.length));
}
