// Dependencies point one way (test/layering/graph.ts lists the layers): the
// check runs over src/ as it is, and is shown to catch a back-edge.
import { describe, test, expect } from "vitest";
import { readFileSync } from "node:fs";
import { importGraph, violations, layerOf, sourceFiles } from "./layering/graph.js";

describe("layering", () => {
  test("no file in src/ imports from a layer above its own", () => {
    const edges = importGraph(".");
    expect(edges.length).toBeGreaterThan(500);
    expect(violations(edges)).toEqual([]);
  });

  test("a back-edge is reported, naming the file and the import", () => {
    const edges = [
      { from: "src/sstable/reader.ts", to: "src/core/core.ts", spec: "../core/core.js" },
      { from: "src/core/merge.ts", to: "src/sstable/reader.ts", spec: "../sstable/reader.js" },
    ];
    expect(violations(edges)).toEqual(["src/core/merge.ts (core) imports ../sstable/reader.js (sstable): an edge pointing up"]);
  });

  test("a file placed apart from its directory takes the longer prefix's layer", () => {
    expect(layerOf("src/engine/engine.ts")).toBeGreaterThan(layerOf("src/engine/write-path.ts"));
    expect(layerOf("src/sstable/model.ts")).toBeLessThan(layerOf("src/core/merge.ts"));
    expect(violations([{ from: "src/engine/write-path.ts", to: "src/engine/engine.ts", spec: "./engine.js" }])).toHaveLength(1);
  });

  test("a file in no layer is reported", () => {
    expect(violations([{ from: "src/nowhere/x.ts", to: "src/util/bytes.ts", spec: "../util/bytes.js" }])).toEqual(["src/nowhere/x.ts: in no layer"]);
  });
});

describe("file sizes", () => {
  const lengths = new Map(sourceFiles(".").map((f) => [f, (readFileSync(f, "utf8").match(/\n/g) ?? []).length]));

  test("a file in src/ over 400 lines says why on its first line", () => {
    const unexplained = [...lengths].filter(([f, n]) => n > 400 && !readFileSync(f, "utf8").startsWith("// Over 400 lines because")).map(([f, n]) => `${f}: ${n} lines`);
    expect(unexplained).toEqual([]);
  });

  test("the engine's facade is under 250 lines", () => {
    expect(lengths.get("src/engine/engine.ts")).toBeLessThan(250);
  });
});
