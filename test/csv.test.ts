// The one CSV reader (src/tools/csv.ts) against csv-parse on the same text:
// quoting, doubled quotes, CRLF, empty fields, line breaks inside quotes,
// unicode, a byte order mark; fed whole and in every small chunking; and the
// errors it names by line.
import { describe, test, expect } from "vitest";
import { parse } from "csv-parse/sync";
import { CsvReader } from "../src/tools/csv.js";
import { BadRecordError } from "../src/tools/record-errors.js";

const enc = new TextEncoder();

/** Every record after the header, as strings, with each record's line; the header too. */
function read(text: string, chunk: number, max?: number): { header: string[]; rows: string[][]; lines: number[] } {
  const bytes = enc.encode(text);
  const csv = new CsvReader(max);
  const rows: string[][] = [];
  const lines: number[] = [];
  const drain = () => {
    while (csv.next()) {
      rows.push(Array.from({ length: csv.count }, (_, k) => csv.text(k)));
      lines.push(csv.line);
    }
  };
  // one buffer for every piece, scribbled over once fed: the reader keeps a copy
  const piece = new Uint8Array(chunk);
  for (let at = 0; at < bytes.length; at += chunk) {
    const part = bytes.subarray(at, at + chunk);
    piece.set(part);
    csv.feed(piece.subarray(0, part.length));
    piece.fill(0x22);
    drain();
  }
  csv.finish();
  drain();
  return { header: csv.header ?? [], rows, lines };
}

function expected(text: string): { header: string[]; rows: string[][] } {
  const all = parse(text, { skip_empty_lines: true, bom: true, relax_column_count: false }) as string[][];
  return { header: all[0].map((h) => h.trim()), rows: all.slice(1) };
}

const cases: Record<string, string> = {
  plain: "id,name\n1,apples\n2,pears\n",
  "no final line break": "id,name\n1,apples\n2,pears",
  crlf: "id,name\r\n1,apples\r\n2,pears\r\n",
  "crlf, no final line break": "id,name\r\n1,apples\r\n2,pears",
  quoted: 'id,name\n1,"apples, red"\n2,"say ""hi"""\n3,""""\n',
  "line breaks inside quotes": 'id,note\n1,"two\nlines"\n2,"crlf\r\ninside"\n3,"ends with a break\n"\n',
  "empty fields": 'a,b,c\n,,\n1,,\n,"",3\n"",,""\n',
  "trailing comma": "a,b\n1,\n2,\n",
  unicode: 'id,name\n1,päärynä\n2,"日本語, 漢字"\n3,"😀 ""emoji"""\n4,Ω\n',
  bom: "\uFEFFid,name\n1,x\n",
  "blank lines between records": "id,name\n\n1,x\n\n\n2,y\n",
  "spaces kept": "id, name \n 1 , x y \n",
  "quotes inside only": 'a,b\n1,"""quoted"""\n2,"a""b""c"\n',
};

describe("CsvReader against csv-parse", () => {
  for (const [name, text] of Object.entries(cases)) {
    test(name, () => {
      const want = expected(text);
      for (const chunk of [1, 2, 3, 5, 7, 16, 1 << 20]) {
        const got = read(text, chunk);
        expect(got.header, `chunks of ${chunk}`).toEqual(want.header);
        expect(got.rows, `chunks of ${chunk}`).toEqual(want.rows);
      }
    });
  }

  test("random tables: quoting, CRLF, unicode, empty fields, in random chunks", () => {
    let seed = 7;
    const rand = (n: number) => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) % n);
    const pieces = ["a", "b", "xyz", " ", ",", '"', "\n", "\r\n", "é", "日", "😀", "0", "-1", ""];
    for (let round = 0; round < 200; round++) {
      const cols = 1 + rand(4);
      const eol = rand(2) ? "\r\n" : "\n";
      const field = () => {
        let s = "";
        for (let i = rand(6); i > 0; i--) s += pieces[rand(pieces.length)];
        // csv-parse takes a field with these characters only when quoted
        return /[",\r\n]/.test(s) || s === "" || rand(3) === 0 ? `"${s.replace(/"/g, '""')}"` : s;
      };
      const header = Array.from({ length: cols }, (_, i) => `c${i}`);
      const lines = [header.join(",")];
      for (let r = 1 + rand(20); r > 0; r--) lines.push(Array.from({ length: cols }, field).join(","));
      const text = lines.join(eol) + (rand(2) ? eol : "");
      const want = expected(text);
      const got = read(text, 1 + rand(40));
      expect(got.rows, text).toEqual(want.rows);
    }
  });

  test("a record's line is where it starts, counting line breaks inside quotes", () => {
    const got = read('id,note\n1,"a\nb\nc"\n2,x\r\n\n3,"y"\n', 4);
    expect(got.lines).toEqual([2, 5, 7]);
  });
});

describe("CsvReader errors", () => {
  const fails = (text: string, line: number, reason: RegExp, max?: number) => {
    for (const chunk of [1, 3, 1 << 20]) {
      let err: unknown;
      try {
        read(text, chunk, max);
      } catch (e) {
        err = e;
      }
      expect(err, `chunks of ${chunk}`).toBeInstanceOf(BadRecordError);
      expect((err as BadRecordError).code).toBe("BAD_ROW");
      expect((err as BadRecordError).line, `chunks of ${chunk}`).toBe(line);
      expect((err as BadRecordError).reason).toMatch(reason);
    }
  };
  test("a field count other than the header's", () => fails("a,b\n1,2\n3\n", 3, /1 fields, the header has 2/));
  test("a quote never closed", () => fails('a,b\n1,2\n3,"open\n4,5\n', 3, /never closed/));
  test("a character after a closing quote", () => fails('a,b\n1,"x"y\n', 2, /after its closing quote/));
  test("a record over the limit: memory stays bounded", () => fails(`a,b\n1,2\n3,"${"x".repeat(100)}`, 3, /over 64 bytes/, 64));
});
