// Partition keys as bytes: a single column's value, or CompositeType's
// concatenation (u16 length, bytes, end-of-component 0) for compound keys.
import { TableSchema } from "./schema.js";
import { ByteWriter } from "../util/bytes.js";
import { CqlValue, encodeValue, decodeValue } from "../types/codec.js";
import { InvalidValueError } from "../errors.js";

export function composeKey(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const w = new ByteWriter();
  for (const p of parts) {
    if (p.length > 0xffff) throw new InvalidValueError(`partition key component of ${p.length} bytes exceeds 65535`);
    w.u16(p.length).bytes(p).u8(0);
  }
  return w.result();
}

export function splitKey(schema: TableSchema, key: Uint8Array): Uint8Array[] {
  if (schema.partitionKey.length === 1) return [key];
  const out: Uint8Array[] = [];
  let i = 0;
  while (i < key.length) {
    if (i + 2 > key.length) throw new InvalidValueError("truncated composite partition key");
    const n = (key[i] << 8) | key[i + 1];
    out.push(key.subarray(i + 2, i + 2 + n));
    i += 3 + n;
  }
  if (out.length !== schema.partitionKey.length) throw new InvalidValueError(`composite key has ${out.length} components, expected ${schema.partitionKey.length}`);
  return out;
}

/** Serialized partition key from column values by name. */
export function encodeKey(schema: TableSchema, values: Record<string, CqlValue>): Uint8Array {
  const parts = schema.partitionKey.map((c) => {
    const v = values[c.name];
    if (v === undefined || v === null) throw new InvalidValueError(`missing partition key column '${c.name}'`);
    return encodeValue(c.type, v);
  });
  const key = composeKey(parts);
  if (key.length > 0xffff) throw new InvalidValueError(`partition key of ${key.length} bytes exceeds 65535`);
  return key;
}

export function decodeKey(schema: TableSchema, key: Uint8Array): Record<string, CqlValue> {
  return decodeKeyInto(schema, key, {});
}

/** Sets the partition key's columns of `out` (a row being built) from the serialized key; returns `out`. */
export function decodeKeyInto<T extends Record<string, CqlValue>>(schema: TableSchema, key: Uint8Array, out: T): T {
  const pk = schema.partitionKey;
  if (pk.length === 1) {
    (out as Record<string, CqlValue>)[pk[0].name] = key.length ? decodeValue(pk[0].type, key) : null;
    return out;
  }
  const parts = splitKey(schema, key);
  for (let i = 0; i < pk.length; i++) (out as Record<string, CqlValue>)[pk[i].name] = parts[i].length ? decodeValue(pk[i].type, parts[i]) : null;
  return out;
}
