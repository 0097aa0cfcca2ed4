// flattenRuns: the read path's runs of rows handed out one at a time.
import { describe, it, expect } from "vitest";
import { flattenRuns } from "../src/util/runs.js";

function source(runs: number[][], log: string[]) {
  return async function* () {
    log.push("open");
    try {
      for (const r of runs) {
        log.push(`run ${r.length}`);
        yield r;
      }
    } finally {
      log.push("finally");
    }
  };
}

describe("flattenRuns", () => {
  it("hands out every item in order, skipping empty runs", async () => {
    const log: string[] = [];
    const out: number[] = [];
    for await (const x of flattenRuns(source([[1, 2], [], [3], [4, 5, 6]], log))) out.push(x);
    expect(out).toEqual([1, 2, 3, 4, 5, 6]);
    expect(log).toEqual(["open", "run 2", "run 0", "run 1", "run 3", "finally"]);
  });

  it("opens the runs only when the first item is asked for", async () => {
    const log: string[] = [];
    const it = flattenRuns(source([[1]], log));
    expect(log).toEqual([]);
    expect(await it.next()).toEqual({ done: false, value: 1 });
    expect(log).toEqual(["open", "run 1"]);
  });

  it("a failure in open rejects the first next(), not the call that made the iterator", async () => {
    const it = flattenRuns<number>(() => {
      throw new Error("closed");
    });
    await expect(it.next()).rejects.toThrow("closed");
  });

  it("a break ends the runs (their finally runs) and fetches no more", async () => {
    const log: string[] = [];
    for await (const x of flattenRuns(source([[1, 2], [3]], log))) if (x === 1) break;
    expect(log).toEqual(["open", "run 2", "finally"]);
  });

  it("calls made before a run arrives get the items in order", async () => {
    const log: string[] = [];
    const it = flattenRuns(source([[1], [2, 3]], log));
    const got = await Promise.all([it.next(), it.next(), it.next(), it.next()]);
    expect(got.map((r) => (r.done ? "done" : r.value))).toEqual([1, 2, 3, "done"]);
  });
});
