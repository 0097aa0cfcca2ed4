// Mutated write-ahead log segments and manifests into WriteEngine.open. A
// database image is built once: 8 acknowledged writes flushed into an
// SSTable, then 12 more only in the log, and the process "crashes" (the
// files are copied while the engine is open). Each input damages one file
// of a copy and opens it: the open fails with a typed error, or the rows it
// holds are exactly those of the first k writes, unchanged, with k at least
// the number of writes whose records lie wholly before the damage.
import { WriteEngine } from "../../src/engine/engine.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { Storage } from "../../src/storage/storage.js";
import { CqlValue } from "../../src/types/codec.js";
import { Rng } from "./rng.js";
import { Mutation, drawMutations, apply, firstTouched } from "./mutate.js";
import { Finding, typedOr, plain, checkHeap } from "./contract.js";
import { FuzzTarget, Verdict } from "./target.js";

export interface WalCase {
  file: string;
  mutations: Mutation[];
}

const SCHEMA = "CREATE TABLE ks.f (id int, c int, v text, l list<int>, PRIMARY KEY (id, c))";
const FLUSHED = 8;
const LOGGED = 12;

interface Image {
  files: Map<string, Uint8Array>;
  /** rows of each write, by write number */
  rows: string[][];
  /** per log segment: where each write's record ends, as [write number, end offset] */
  ends: Map<string, [number, number][]>;
}

let image: Image | null = null;

async function snapshot(s: Storage): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const prefix of ["", "wal/", "sstables/"]) {
    for (const name of await s.list(prefix)) {
      if (name === "LOCK" || out.has(name)) continue;
      const f = await s.open(name);
      out.set(name, (await f.read(0, await f.size())).slice());
      await f.close();
    }
  }
  return out;
}

async function restore(files: Map<string, Uint8Array>): Promise<MemoryStorage> {
  const s = new MemoryStorage();
  for (const [name, bytes] of files) {
    const f = await s.open(name, { create: true });
    if (bytes.length) await f.append(bytes);
    await f.flush();
    await f.close();
  }
  return s;
}

function rowOf(id: number, c: number): Record<string, CqlValue> {
  return { id, c, v: `write ${id} row ${c} `.repeat(1 + (id % 3)), l: Array.from({ length: id % 4 }, (_, i) => i * id) };
}

async function build(): Promise<Image> {
  const storage = new MemoryStorage();
  const e = await WriteEngine.open({ storage, schema: SCHEMA, walSync: "none" });
  const rows: string[][] = [];
  const ends = new Map<string, [number, number][]>();
  for (let id = 0; id < FLUSHED + LOGGED; id++) {
    if (id === FLUSHED) await e.flush();
    const rs = [0, 1].map((c) => rowOf(id, c));
    await e.execute(
      "BEGIN BATCH INSERT INTO f (id, c, v, l) VALUES (?, ?, ?, ?); INSERT INTO f (id, c, v, l) VALUES (?, ?, ?, ?) APPLY BATCH",
      rs.flatMap((r) => [r.id, r.c, r.v, r.l]),
    );
    const segs = await storage.list("wal/");
    const seg = segs[segs.length - 1];
    const f = await storage.open(seg);
    if (!ends.has(seg)) ends.set(seg, []);
    ends.get(seg)!.push([id, await f.size()]);
    await f.close();
  }
  // the oracle is what the engine itself reads back before the crash
  for (const row of await e.select("SELECT * FROM f")) (rows[row.id as number] ??= [])[row.c as number] = plain(row);
  const files = await snapshot(storage);
  // the engine is left as a crash leaves it: never closed
  return { files, rows, ends };
}

export const walTarget: FuzzTarget<WalCase> = {
  name: "wal",

  async setup() {
    image ??= await build();
  },

  draw(rng: Rng): WalCase {
    const names = [...image!.files.keys()].filter((n) => n.startsWith("wal/") || n === "MANIFEST").sort();
    const file = rng.chance(0.75) ? rng.pick(names.filter((n) => n.startsWith("wal/"))) : "MANIFEST";
    return { file, mutations: drawMutations(rng, image!.files.get(file)!.length) };
  },

  async run(c: WalCase): Promise<Verdict> {
    const img = image!;
    const files = new Map(img.files);
    files.set(c.file, apply(img.files.get(c.file)!, c.mutations));
    const storage = await restore(files);
    const where = `open with ${c.file} damaged`;
    const open = await typedOr(where, () => WriteEngine.open({ storage, schema: SCHEMA, walSync: "none" }));
    if (!open.ok) return "refused";
    const e = open.value;
    const read = await typedOr(where, () => e.select("SELECT * FROM f"));
    await typedOr(`${where}, close`, () => e.close());
    if (!read.ok) return "refused";
    // which writes must have survived: everything before the first damaged byte
    let must = FLUSHED;
    if (c.file === "MANIFEST") must = FLUSHED + LOGGED;
    else {
      const at = firstTouched(c.mutations);
      for (const [id, end] of img.ends.get(c.file) ?? []) if (end <= at) must = Math.max(must, id + 1);
    }
    const ids = new Map<number, number>();
    for (const row of read.value) {
      const id = row.id as number, ck = row.c as number;
      if (img.rows[id]?.[ck] !== plain(row)) throw new Finding("wrong", `${where}: opened with a row (${id}, ${ck}) that no write made`);
      ids.set(id, (ids.get(id) ?? 0) + 1);
    }
    const k = ids.size;
    for (let id = 0; id < k; id++)
      if (ids.get(id) !== 2) throw new Finding("wrong", `${where}: opened with ${k} writes' rows, but not those of the first ${k} writes whole (write ${id})`);
    if (k < must) throw new Finding("wrong", `${where}: opened with ${k} writes, but the ${must} before the damage were acknowledged`);
    checkHeap(where);
    return "accepted";
  },
};
