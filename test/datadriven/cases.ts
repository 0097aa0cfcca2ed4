// Pebble-style data-driven test files: a file is a run of cases, each a
// command line, its input lines, a "----" line, then the expected output up
// to a blank line. Lines starting with # between cases are comments. An input
// line that starts with whitespace continues the statement above it.
//
//   exec
//   INSERT INTO t (k, v) VALUES (1, 'one')
//   ----
//
//   query
//   SELECT v FROM t WHERE k = 1
//   ----
//   {v: "one"}
//
// With REWRITE=1 the runner writes the outputs it got back into the file.
import { Decimal, Duration } from "../../src/types/values.js";

export interface Case {
  /** 1-based line of the command, for messages */
  line: number;
  command: string;
  args: string[];
  input: string[];
  expected: string;
}

export function parseCases(text: string): Case[] {
  const lines = text.split("\n");
  const out: Case[] = [];
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (l.trim() === "" || l.startsWith("#")) {
      i++;
      continue;
    }
    const [command, ...args] = l.trim().split(/\s+/);
    const c: Case = { line: i + 1, command, args, input: [], expected: "" };
    i++;
    for (; i < lines.length && lines[i] !== "----"; i++) {
      if (/^\s/.test(lines[i]) && c.input.length) c.input[c.input.length - 1] += `\n${lines[i]}`;
      else if (lines[i].trim() !== "") c.input.push(lines[i]);
    }
    if (i >= lines.length) throw new Error(`line ${c.line}: '${command}' has no ---- line`);
    i++;
    const expected: string[] = [];
    for (; i < lines.length && lines[i] !== ""; i++) expected.push(lines[i]);
    c.expected = expected.join("\n");
    out.push(c);
  }
  return out;
}

/** The file again, with each case's output replaced by `actual` (same order as parseCases). */
export function rewriteCases(text: string, actual: string[]): string {
  const lines = text.split("\n");
  const out: string[] = [];
  let n = 0;
  let i = 0;
  while (i < lines.length) {
    const l = lines[i];
    if (l.trim() === "" || l.startsWith("#")) {
      out.push(l);
      i++;
      continue;
    }
    for (; lines[i] !== "----"; i++) out.push(lines[i]);
    out.push("----");
    i++;
    while (i < lines.length && lines[i] !== "") i++;
    if (actual[n]) out.push(...actual[n].split("\n"));
    n++;
  }
  return out.join("\n");
}

/** A value as a case's output shows it: one line, every type distinct (bigint 5n, blob 0xca, map {k => v}). */
export function render(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "number") return Object.is(v, -0) ? "-0" : String(v);
  if (typeof v === "bigint") return `${v}n`;
  if (typeof v === "boolean") return String(v);
  if (v instanceof Uint8Array) return `0x${Buffer.from(v).toString("hex")}`;
  if (v instanceof Decimal) return `decimal(${v.toString()})`;
  if (v instanceof Duration) return `duration(${v.months}, ${v.days}, ${v.nanoseconds})`;
  if (Array.isArray(v)) return `[${v.map(render).join(", ")}]`;
  if (v instanceof Map) return `{${[...v].map(([k, x]) => `${render(k)} => ${render(x)}`).join(", ")}}`;
  if (typeof v === "object") return `{${Object.entries(v).map(([k, x]) => `${k}: ${render(x)}`).join(", ")}}`;
  throw new Error(`cannot render ${typeof v}`);
}
