// CQL tokens with line and column, shared by the DDL and DML parsers.
import { CqlSyntaxError } from "../errors.js";

export type TokKind = "ident" | "qident" | "string" | "int" | "float" | "hex" | "uuid" | "duration" | "punct" | "bind" | "eof";

export interface Token {
  kind: TokKind;
  text: string; // identifiers lowercased unless quoted; strings unescaped
  raw: string;
  line: number;
  col: number;
  offset: number;
}

const UUID_RE = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}/;
const DURATION_RE = /^(?:\d+(?:y|mo|w|d|h|ms|us|µs|ns|m|s))+(?![\w])/i;
const ISO_DURATION_RE = /^P(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?:\d+H)?(?:\d+M)?(?:\d+S)?)?(?![\w])/;
const NUMBER_RE = /^\d+(\.\d*)?([eE][+-]?\d+)?/;
const PUNCT = ["!=", "<=", ">=", "+=", "-=", "(", ")", ",", ";", "<", ">", "=", ".", "*", "[", "]", "{", "}", "+", "-", ":", "?"];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0, line = 1, lineStart = 0;
  const err = (msg: string, at: number): never => {
    throw new CqlSyntaxError(msg, line, at - lineStart + 1);
  };
  const push = (kind: TokKind, text: string, start: number, raw = src.slice(start, i)) =>
    out.push({ kind, text, raw, line, col: start - lineStart + 1, offset: start });
  while (i < src.length) {
    const c = src[i];
    if (c === "\n") { i++; line++; lineStart = i; continue; }
    if (c === " " || c === "\t" || c === "\r") { i++; continue; }
    if ((c === "-" && src[i + 1] === "-") || (c === "/" && src[i + 1] === "/")) {
      while (i < src.length && src[i] !== "\n") i++;
      continue;
    }
    if (c === "/" && src[i + 1] === "*") {
      const end = src.indexOf("*/", i + 2);
      if (end < 0) err("unterminated comment", i);
      for (let k = i; k < end; k++) if (src[k] === "\n") { line++; lineStart = k + 1; }
      i = end + 2;
      continue;
    }
    const start = i;
    const rest = src.slice(i, i + 64);
    if (c === "'") {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) err("unterminated string", start);
        if (src[i] === "'") {
          if (src[i + 1] === "'") { s += "'"; i += 2; continue; }
          i++;
          break;
        }
        if (src[i] === "\n") { line++; lineStart = i + 1; }
        s += src[i++];
      }
      push("string", s, start);
      continue;
    }
    if (c === "$" && src[i + 1] === "$") {
      const end = src.indexOf("$$", i + 2);
      if (end < 0) err("unterminated $$ string", i);
      i = end + 2;
      push("string", src.slice(start + 2, end), start);
      continue;
    }
    if (c === '"') {
      let s = "";
      i++;
      for (;;) {
        if (i >= src.length) err("unterminated quoted identifier", start);
        if (src[i] === '"') {
          if (src[i + 1] === '"') { s += '"'; i += 2; continue; }
          i++;
          break;
        }
        s += src[i++];
      }
      push("qident", s, start);
      continue;
    }
    if (c === "?") { i++; push("bind", "", start); continue; }
    if (c === ":" && /[A-Za-z_]/.test(src[i + 1] ?? "")) {
      i++;
      while (i < src.length && /\w/.test(src[i])) i++;
      push("bind", src.slice(start + 1, i).toLowerCase(), start);
      continue;
    }
    let m: RegExpExecArray | null;
    if ((m = UUID_RE.exec(rest))) { i += m[0].length; push("uuid", m[0].toLowerCase(), start); continue; }
    if (c === "0" && (src[i + 1] === "x" || src[i + 1] === "X")) {
      i += 2;
      while (i < src.length && /[0-9a-fA-F]/.test(src[i])) i++;
      if (/\w/.test(src[i] ?? "")) err("malformed hex literal", start);
      push("hex", src.slice(start + 2, i).toLowerCase(), start);
      continue;
    }
    if (/[0-9]/.test(c)) {
      if ((m = DURATION_RE.exec(rest))) { i += m[0].length; push("duration", m[0], start); continue; }
      m = NUMBER_RE.exec(src.slice(i, i + 400))!;
      i += m[0].length;
      if (/[A-Za-z_]/.test(src[i] ?? "")) err(`malformed number '${src.slice(start, i + 1)}'`, start);
      push(m[1] || m[2] ? "float" : "int", m[0], start);
      continue;
    }
    if (c === "P" && (m = ISO_DURATION_RE.exec(rest)) && m[0].length > 1) {
      i += m[0].length;
      push("duration", m[0], start);
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      while (i < src.length && /\w/.test(src[i])) i++;
      push("ident", src.slice(start, i).toLowerCase(), start);
      continue;
    }
    const p = PUNCT.find((p) => src.startsWith(p, i));
    if (!p) err(`unexpected character '${c}'`, i);
    i += p!.length;
    push("punct", p!, start);
  }
  out.push({ kind: "eof", text: "", raw: "", line, col: i - lineStart + 1, offset: i });
  return out;
}

/** A cursor over tokens with the helpers every parser here needs. */
export class TokenStream {
  i = 0;
  constructor(readonly toks: Token[]) {}
  static of(src: string): TokenStream {
    return new TokenStream(tokenize(src));
  }
  peek(k = 0): Token {
    return this.toks[Math.min(this.i + k, this.toks.length - 1)];
  }
  next(): Token {
    const t = this.peek();
    if (this.i < this.toks.length - 1) this.i++;
    return t;
  }
  fail(msg: string, t: Token = this.peek()): never {
    throw new CqlSyntaxError(msg, t.line, t.col);
  }
  isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "ident" && t.text === w;
  }
  isPunct(p: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === "punct" && t.text === p;
  }
  acceptWord(...ws: string[]): boolean {
    if (ws.every((w, k) => this.isWord(w, k))) {
      this.i += ws.length;
      return true;
    }
    return false;
  }
  acceptPunct(p: string): boolean {
    if (this.isPunct(p)) {
      this.i++;
      return true;
    }
    return false;
  }
  expectWord(...ws: string[]): void {
    for (const w of ws) {
      if (!this.isWord(w)) this.fail(`expected ${w.toUpperCase()} but found '${this.peek().raw || "end of input"}'`);
      this.i++;
    }
  }
  expectPunct(p: string): Token {
    if (!this.isPunct(p)) this.fail(`expected '${p}' but found '${this.peek().raw || "end of input"}'`);
    return this.next();
  }
  /** An identifier (unquoted lowercased, quoted as written). */
  ident(what = "identifier"): string {
    const t = this.peek();
    if (t.kind !== "ident" && t.kind !== "qident") this.fail(`expected ${what} but found '${t.raw || "end of input"}'`);
    this.i++;
    return t.text;
  }
  atEnd(): boolean {
    return this.peek().kind === "eof";
  }
}
