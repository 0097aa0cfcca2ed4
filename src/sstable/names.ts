// SSTable file names: <version>-<generation>-<format>-<Component>, as Cassandra names them.
import { CqliteError } from "../errors.js";

export const COMPONENTS = [
  "Data.db", "Index.db", "Summary.db", "Filter.db", "Statistics.db", "CompressionInfo.db", "CRC.db", "Digest.crc32", "TOC.txt",
] as const;
export type ComponentName = (typeof COMPONENTS)[number];

const NAME_RE = /^(?:.*[\\/])?([a-z]{2})-([0-9]+|[0-9a-z_]+)-(big|bti)-([A-Za-z]+\.(?:db|txt|crc32))$/;

export interface SSTableName {
  version: string;
  generation: string;
  format: string;
  component: string;
}

export class BadFileNameError extends CqliteError {
  constructor(name: string) {
    super("BAD_NAME", `'${name}' does not match Cassandra's SSTable file name pattern <version>-<generation>-big-<Component>`);
  }
}

export function parseFileName(name: string): SSTableName {
  const m = NAME_RE.exec(name);
  if (!m) throw new BadFileNameError(name);
  return { version: m[1], generation: m[2], format: m[3], component: m[4] };
}

export function tryParseFileName(name: string): SSTableName | null {
  const m = NAME_RE.exec(name);
  return m ? { version: m[1], generation: m[2], format: m[3], component: m[4] } : null;
}

export function fileName(version: string, generation: number | string, component: string): string {
  return `${version}-${generation}-big-${component}`;
}
