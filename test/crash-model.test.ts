// The crash model the fault simulation puts over real storage (test/sim/
// crash-model.ts) keeps exactly what MemoryStorage's own crash keeps: the
// same calls on both, then a crash, leave the same files.
import { describe, test, expect } from "vitest";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CrashModel } from "./sim/crash-model.js";
import { MemoryStorage, KeepPending } from "../src/storage/memory.js";
import { NodeFileStorage } from "../src/storage/node.js";
import type { Storage } from "../src/storage/storage.js";

const bytes = (...xs: number[]) => new Uint8Array(xs);

async function contents(s: Storage): Promise<Record<string, number[]>> {
  const out: Record<string, number[]> = {};
  for (const name of [...(await s.list("")), ...(await s.list("d/"))]) {
    const f = await s.open(name);
    out[name] = Array.from(await f.read(0, await f.size()));
    await f.close();
  }
  return out;
}

/** Appends, overwrites, truncates, renames and deletes, some flushed and some not. */
async function workload(s: Storage): Promise<void> {
  const a = await s.open("a", { create: true });
  await a.append(bytes(1, 2, 3));
  await a.flush();
  await a.append(bytes(4, 5, 6, 7)); // pending: a crash keeps a part at most
  const b = await s.open("d/b", { create: true });
  await b.append(bytes(9, 9, 9, 9));
  await b.flush();
  await b.write(1, bytes(8)); // overwrites durable bytes: a crash undoes it
  const c = await s.open("c", { create: true });
  await c.append(bytes(5, 5));
  await c.flush();
  await c.truncate(1); // shortens durable bytes: a crash undoes it
  const r = await s.open("r", { create: true });
  await r.append(bytes(7));
  await r.flush();
  await r.close();
  await s.rename("r", "d/renamed"); // durable at once
  const gone = await s.open("gone", { create: true });
  await gone.append(bytes(1));
  await gone.flush();
  await gone.close();
  await s.delete("gone");
  const fresh = await s.open("fresh", { create: true });
  await fresh.append(bytes(3, 3, 3)); // never flushed
}

describe("crash model over real storage", () => {
  for (const [what, keep] of [["nothing pending kept", () => 0], ["half of what is pending kept", (_n: string, p: number) => p / 2]] as [string, KeepPending][]) {
    test(`files keep what MemoryStorage keeps: ${what}`, async () => {
      const mem = new MemoryStorage();
      await workload(mem);
      mem.crash(keep);
      const dir = mkdtempSync(join(tmpdir(), "cqlite-crash-model-"));
      try {
        const model = new CrashModel(await NodeFileStorage.open(dir));
        await workload(model);
        const after = await model.crash(() => NodeFileStorage.open(dir), keep);
        expect(await contents(after)).toEqual(await contents(mem));
        expect(Object.keys(await contents(after)).sort()).toEqual(["a", "c", "d/b", "d/renamed", "fresh"]);
        await after.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
