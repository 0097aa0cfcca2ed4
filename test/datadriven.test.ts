// Runs the data-driven cases under test/testdata/queries/ and
// test/testdata/format/ (the file format: test/datadriven/cases.ts).
// Format commands, one input line each, one output line each:
//   token           a partition key (hex) → its Murmur3 token
//   parse-name      a file name → version, generation, format, component (or the error)
//   unique-id       a Cassandra 4.1 unique SSTable id → its time (ms since the epoch) and low bits
// Query commands:
//   schema          a fresh engine on memory storage with this CREATE TABLE (and types); the clock is fixed
//   exec            each statement through execute(); output: nothing, or the error
//   query           one SELECT; output: its rows, one a line, or the error
//   flush           flushes the memtable
//   memtable-rows   output: the rows the memtable holds
// An error shows as "error <CODE>: <message>".
import { describe, test, expect } from "vitest";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import "./helpers.js";
import { WriteEngine } from "../src/engine/engine.js";
import { MemoryStorage } from "../src/storage/memory.js";
import { CqliteError } from "../src/errors.js";
import { parseCases, rewriteCases, render, Case } from "./datadriven/cases.js";
import { tokenOf } from "../src/core/token.js";
import { parseFileName, parseUniqueSSTableId } from "../src/sstable/names.js";

const DIR = new URL("./testdata/queries/", import.meta.url).pathname;
const FORMAT_DIR = new URL("./testdata/format/", import.meta.url).pathname;
/** 2023-11-14T22:13:20Z: what TTL(), WRITETIME() and expiry see */
const NOW_US = 1_700_000_000_000_000n;

function shown(e: unknown): string {
  if (e instanceof CqliteError) return `error ${e.code}: ${e.message}`;
  throw e;
}

async function run(engine: WriteEngine | null, c: Case): Promise<{ engine: WriteEngine | null; output: string }> {
  if (c.command === "schema") {
    await engine?.close();
    return { engine: await WriteEngine.open({ storage: new MemoryStorage(), schema: c.input.join("\n"), clock: () => NOW_US }), output: "" };
  }
  if (!engine) throw new Error(`line ${c.line}: '${c.command}' before any schema`);
  switch (c.command) {
    case "exec": {
      for (const s of c.input) {
        try {
          await engine.execute(s);
        } catch (e) {
          return { engine, output: shown(e) };
        }
      }
      return { engine, output: "" };
    }
    case "query": {
      try {
        return { engine, output: (await engine.select(c.input.join("\n"))).map(render).join("\n") };
      } catch (e) {
        return { engine, output: shown(e) };
      }
    }
    case "flush":
      await engine.flush();
      return { engine, output: "" };
    case "memtable-rows":
      return { engine, output: String(engine.memtableRowCount) };
    default:
      throw new Error(`line ${c.line}: unknown command '${c.command}'`);
  }
}

function formatCase(c: Case): string {
  const each = (f: (line: string) => string) =>
    c.input
      .map((line) => {
        try {
          return f(line);
        } catch (e) {
          return shown(e);
        }
      })
      .join("\n");
  switch (c.command) {
    case "token":
      return each((hex) => String(tokenOf(Uint8Array.from(Buffer.from(hex, "hex")))));
    case "parse-name":
      return each((name) => Object.values(parseFileName(name)).join(" "));
    case "unique-id":
      return each((id) => {
        const p = parseUniqueSSTableId(id);
        return p ? `${new Date(p.ms).toISOString()} ${p.lsb}` : "not a unique id";
      });
    default:
      throw new Error(`line ${c.line}: unknown command '${c.command}'`);
  }
}

describe("data-driven format cases", () => {
  for (const name of readdirSync(FORMAT_DIR).filter((f) => f.endsWith(".txt")).sort()) {
    test(name, () => {
      const path = join(FORMAT_DIR, name);
      const text = readFileSync(path, "utf8");
      const cases = parseCases(text);
      const actual = cases.map(formatCase);
      if (process.env.REWRITE) writeFileSync(path, rewriteCases(text, actual));
      else cases.forEach((c, i) => expect(actual[i], `${name}:${c.line} ${c.command}`).toBe(c.expected));
    });
  }
});

describe("data-driven query cases", () => {
  for (const name of readdirSync(DIR).filter((f) => f.endsWith(".txt")).sort()) {
    test(name, async () => {
      const path = join(DIR, name);
      const text = readFileSync(path, "utf8");
      const cases = parseCases(text);
      let engine: WriteEngine | null = null;
      const actual: string[] = [];
      try {
        for (const c of cases) {
          const r = await run(engine, c);
          engine = r.engine;
          actual.push(r.output);
          if (!process.env.REWRITE) expect(r.output, `${name}:${c.line} ${c.command} ${c.input.join(" ").slice(0, 80)}`).toBe(c.expected);
        }
      } finally {
        await engine?.close();
      }
      if (process.env.REWRITE) writeFileSync(path, rewriteCases(text, actual));
    });
  }

  test("the format: a case's output and a rewrite round-trip", () => {
    const text = "# c\nexec\nINSERT x\n  continued\n----\n\nquery\nSELECT\n----\nold\n";
    const cases = parseCases(text);
    expect(cases.map((c) => [c.line, c.command, c.input, c.expected])).toEqual([[2, "exec", ["INSERT x\n  continued"], ""], [7, "query", ["SELECT"], "old"]]);
    expect(rewriteCases(text, ["", "new 1\nnew 2"])).toBe("# c\nexec\nINSERT x\n  continued\n----\n\nquery\nSELECT\n----\nnew 1\nnew 2\n");
  });
});
