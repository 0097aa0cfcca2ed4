// Over 400 lines because it is one recursive-descent grammar: each statement's parser calls the shared term and relation rules beside it.
// DML and SELECT parsed into statements. Values stay terms (literals, bind
// markers, collection literals) until they meet a column type: that happens
// in execute.ts, with the bound parameters.
import { TokenStream, Token } from "./lexer.js";
import { CqlSyntaxError } from "../errors.js";
import { MAX_NESTING } from "../util/limits.js";

export type Term =
  | { kind: "literal"; tok: Token; negative?: boolean }
  | { kind: "null"; tok: Token }
  | { kind: "bind"; tok: Token; index: number; name: string | null }
  | { kind: "list"; tok: Token; items: Term[] }
  | { kind: "set"; tok: Token; items: Term[] }
  | { kind: "map"; tok: Token; entries: [Term, Term][] }
  | { kind: "tuple"; tok: Token; items: Term[] }
  | { kind: "udt"; tok: Token; fields: [string, Term][] }
  | { kind: "call"; tok: Token; name: string; args: Term[] };

export interface Using {
  ttl?: Term;
  timestamp?: Term;
}

export interface Relation {
  /** one column, or several for a multi-column (tuple) relation, or token()'s arguments */
  columns: { name: string; tok: Token }[];
  op: "=" | "<" | "<=" | ">" | ">=" | "IN" | "CONTAINS" | "CONTAINS KEY";
  /** `token(columns) op value` */
  token?: boolean;
  /** for IN: the candidates; otherwise one term (a tuple term for multi-column) */
  values: Term[];
  tok: Token;
}

export interface Insert {
  type: "insert";
  table: TableRef;
  columns: { name: string; tok: Token }[];
  values: Term[];
  json: Term | null;
  jsonDefaultUnset: boolean;
  using: Using;
}

export type AssignOp = "set" | "append" | "prepend" | "remove" | "setIndex" | "add";

export interface Assignment {
  column: string;
  tok: Token;
  op: AssignOp;
  /** list index or map key for `c[k] = v` */
  key?: Term;
  value: Term;
}

export interface Update {
  type: "update";
  table: TableRef;
  using: Using;
  assignments: Assignment[];
  where: Relation[];
}

export interface Delete {
  type: "delete";
  table: TableRef;
  /** empty: the whole row (or partition, or range) */
  targets: { column: string; tok: Token; key?: Term }[];
  using: Using;
  where: Relation[];
}

export interface Batch {
  type: "batch";
  statements: (Insert | Update | Delete)[];
  using: Using;
}

export type Selector =
  | { kind: "column"; name: string; tok: Token; alias?: string }
  | { kind: "writetime" | "ttl"; name: string; tok: Token; alias?: string }
  | { kind: "count"; tok: Token; alias?: string };

export interface Select {
  type: "select";
  distinct: boolean;
  allowFiltering: boolean;
  table: TableRef;
  /** null: `*` */
  selectors: Selector[] | null;
  where: Relation[];
  orderBy: { column: string; desc: boolean; tok: Token }[];
  perPartitionLimit?: Term;
  limit?: Term;
}

export interface TableRef {
  keyspace: string | null;
  name: string;
  tok: Token;
}

export type Statement = Insert | Update | Delete | Batch | Select;

export interface Parsed {
  statement: Statement;
  /** bind markers in order, with their names (null for `?`) */
  markers: { name: string | null; tok: Token }[];
}

export function parseStatement(cql: string): Parsed {
  const p = new Parser(TokenStream.of(cql));
  const statement = p.statement();
  p.ts.acceptPunct(";");
  if (!p.ts.atEnd()) p.ts.fail(`unexpected '${p.ts.peek().raw}' after the statement`);
  return { statement, markers: p.markers };
}

class Parser {
  markers: { name: string | null; tok: Token }[] = [];
  private depth = 0;
  constructor(readonly ts: TokenStream) {}

  statement(): Statement {
    const t = this.ts.peek();
    if (this.ts.acceptWord("insert")) return this.insert();
    if (this.ts.acceptWord("update")) return this.update();
    if (this.ts.acceptWord("delete")) return this.delete();
    if (this.ts.acceptWord("begin")) return this.batch();
    if (this.ts.acceptWord("select")) return this.select();
    if (t.kind === "ident") this.ts.fail(`unsupported statement ${t.raw.toUpperCase()}: use INSERT, UPDATE, DELETE, BATCH or SELECT here (DDL goes in the schema)`);
    this.ts.fail(`expected a statement but found '${t.raw || "end of input"}'`);
  }

  table(): TableRef {
    const tok = this.ts.peek();
    const a = this.ts.ident("table name");
    if (this.ts.acceptPunct(".")) return { keyspace: a, name: this.ts.ident("table name"), tok };
    return { keyspace: null, name: a, tok };
  }

  using(): Using {
    const u: Using = {};
    if (!this.ts.acceptWord("using")) return u;
    do {
      if (this.ts.acceptWord("ttl")) u.ttl = this.term();
      else if (this.ts.acceptWord("timestamp")) u.timestamp = this.term();
      else this.ts.fail("expected TTL or TIMESTAMP after USING");
    } while (this.ts.acceptWord("and"));
    return u;
  }

  rejectConditions(): void {
    const t = this.ts.peek();
    if (this.ts.isWord("if")) {
      throw new CqlSyntaxError("conditional statements (IF / IF NOT EXISTS) are not supported: an embedded engine has no Paxos", t.line, t.col);
    }
  }

  insert(): Insert {
    this.ts.expectWord("into");
    const table = this.table();
    if (this.ts.acceptWord("json")) {
      const json = this.term();
      let unset = false;
      if (this.ts.acceptWord("default")) {
        if (this.ts.acceptWord("unset")) unset = true;
        else this.ts.expectWord("null");
      }
      this.rejectConditions();
      const using = this.using();
      this.rejectConditions();
      return { type: "insert", table, columns: [], values: [], json, jsonDefaultUnset: unset, using };
    }
    this.ts.expectPunct("(");
    const columns = this.columnsUntilParen();
    this.ts.expectWord("values");
    this.ts.expectPunct("(");
    const values: Term[] = [];
    do values.push(this.term());
    while (this.ts.acceptPunct(","));
    const close = this.ts.expectPunct(")");
    if (values.length !== columns.length)
      throw new CqlSyntaxError(`${columns.length} columns but ${values.length} values`, close.line, close.col);
    this.rejectConditions();
    const using = this.using();
    this.rejectConditions();
    return { type: "insert", table, columns, values, json: null, jsonDefaultUnset: false, using };
  }

  update(): Update {
    const table = this.table();
    const using = this.using();
    this.ts.expectWord("set");
    const assignments: Assignment[] = [];
    do assignments.push(this.assignment());
    while (this.ts.acceptPunct(","));
    this.ts.expectWord("where");
    const where = this.where();
    this.rejectConditions();
    return { type: "update", table, using, assignments, where };
  }

  assignment(): Assignment {
    const tok = this.ts.peek();
    const column = this.ts.ident("column name");
    if (this.ts.acceptPunct("[")) {
      const key = this.term();
      this.ts.expectPunct("]");
      this.ts.expectPunct("=");
      return { column, tok, op: "setIndex", key, value: this.term() };
    }
    if (this.ts.acceptPunct("+=")) return { column, tok, op: "add", value: this.term() };
    if (this.ts.acceptPunct("-=")) return { column, tok, op: "remove", value: this.term() };
    this.ts.expectPunct("=");
    // c = c + x, c = c - x, c = x + c
    const t0 = this.ts.peek();
    if ((t0.kind === "ident" || t0.kind === "qident") && t0.text === column && (this.ts.isPunct("+", 1) || this.ts.isPunct("-", 1))) {
      this.ts.next();
      const op = this.ts.next().text === "+" ? "add" : "remove";
      return { column, tok, op, value: this.term() };
    }
    const value = this.term();
    if (this.ts.acceptPunct("+")) {
      const t1 = this.ts.peek();
      const again = this.ts.ident("column name");
      if (again !== column) throw new CqlSyntaxError(`expected '${column}' after '+' (prepend)`, t1.line, t1.col);
      return { column, tok, op: "prepend", value };
    }
    return { column, tok, op: "set", value };
  }

  delete(): Delete {
    const targets: { column: string; tok: Token; key?: Term }[] = [];
    if (!this.ts.isWord("from")) {
      do {
        const tok = this.ts.peek();
        const column = this.ts.ident("column name");
        let key: Term | undefined;
        if (this.ts.acceptPunct("[")) {
          key = this.term();
          this.ts.expectPunct("]");
        }
        targets.push({ column, tok, key });
      } while (this.ts.acceptPunct(","));
    }
    this.ts.expectWord("from");
    const table = this.table();
    const using = this.using();
    this.ts.expectWord("where");
    const where = this.where();
    this.rejectConditions();
    return { type: "delete", table, targets, using, where };
  }

  batch(): Batch {
    if (this.ts.acceptWord("unlogged") || this.ts.acceptWord("logged")) {
      // both are one atomic write here: the batch is one WAL record
    } else if (this.ts.isWord("counter")) this.ts.fail("counter batches are not supported: counters are read-only here");
    this.ts.expectWord("batch");
    const using = this.using();
    const statements: (Insert | Update | Delete)[] = [];
    while (!this.ts.isWord("apply")) {
      if (this.ts.atEnd()) this.ts.fail("expected APPLY BATCH");
      const t = this.ts.peek();
      const s = this.statement();
      if (s.type === "select" || s.type === "batch") throw new CqlSyntaxError(`${s.type.toUpperCase()} is not allowed inside a batch`, t.line, t.col);
      statements.push(s);
      this.ts.acceptPunct(";");
    }
    this.ts.expectWord("apply", "batch");
    return { type: "batch", statements, using };
  }

  select(): Select {
    const distinct = this.ts.acceptWord("distinct");
    let selectors: Selector[] | null = null;
    if (!this.ts.acceptPunct("*")) {
      selectors = [];
      do {
        const tok = this.ts.peek();
        let sel: Selector;
        if ((this.ts.isWord("writetime") || this.ts.isWord("ttl")) && this.ts.isPunct("(", 1)) {
          const kind = this.ts.next().text as "writetime" | "ttl";
          this.ts.expectPunct("(");
          const name = this.ts.ident("column name");
          this.ts.expectPunct(")");
          sel = { kind, name, tok };
        } else if (this.ts.isWord("count") && this.ts.isPunct("(", 1)) {
          this.ts.next();
          this.ts.expectPunct("(");
          if (!this.ts.acceptPunct("*")) {
            const one = this.ts.next();
            if (one.text !== "1") this.ts.fail("expected COUNT(*) or COUNT(1)", one);
          }
          this.ts.expectPunct(")");
          sel = { kind: "count", tok };
        } else {
          const name = this.ts.ident("column name");
          if (this.ts.isPunct("(")) this.ts.fail(`function ${name}() is not supported in SELECT`, tok);
          sel = { kind: "column", name, tok };
        }
        if (this.ts.acceptWord("as")) sel.alias = this.ts.ident("alias");
        selectors.push(sel);
      } while (this.ts.acceptPunct(","));
    }
    this.ts.expectWord("from");
    const table = this.table();
    let where: Relation[] = [];
    if (this.ts.acceptWord("where")) where = this.where();
    if (this.ts.isWord("group")) this.ts.fail("GROUP BY is not supported");
    const orderBy: { column: string; desc: boolean; tok: Token }[] = [];
    if (this.ts.acceptWord("order", "by")) {
      do {
        const tok = this.ts.peek();
        const column = this.ts.ident("column name");
        const desc = this.ts.acceptWord("desc");
        if (!desc) this.ts.acceptWord("asc");
        orderBy.push({ column, desc, tok });
      } while (this.ts.acceptPunct(","));
    }
    const s: Select = { type: "select", distinct, allowFiltering: false, table, selectors, where, orderBy };
    if (this.ts.acceptWord("per", "partition", "limit")) s.perPartitionLimit = this.term();
    if (this.ts.acceptWord("limit")) s.limit = this.term();
    if (this.ts.acceptWord("allow")) {
      this.ts.expectWord("filtering");
      s.allowFiltering = true;
    }
    return s;
  }

  /** Column names separated by commas, then ")": an INSERT's columns, a multi-column relation, token(...)'s arguments. */
  private columnsUntilParen(): { name: string; tok: Token }[] {
    const columns: { name: string; tok: Token }[] = [];
    do {
      const tok = this.ts.peek();
      columns.push({ name: this.ts.ident("column name"), tok });
    } while (this.ts.acceptPunct(","));
    this.ts.expectPunct(")");
    return columns;
  }

  where(): Relation[] {
    const out: Relation[] = [];
    do {
      const tok = this.ts.peek();
      let columns: { name: string; tok: Token }[];
      let token = false;
      if (this.ts.isWord("token") && this.ts.isPunct("(", 1)) {
        this.ts.next();
        this.ts.next();
        token = true;
        columns = this.columnsUntilParen();
      } else if (this.ts.acceptPunct("(")) {
        columns = this.columnsUntilParen();
      } else {
        columns = [{ name: this.ts.ident("column name"), tok }];
      }
      const opTok = this.ts.next();
      let op: Relation["op"];
      if (opTok.kind === "ident" && opTok.text === "in") op = "IN";
      else if (opTok.kind === "punct" && ["=", "<", "<=", ">", ">="].includes(opTok.text)) op = opTok.text as Relation["op"];
      else if (opTok.kind === "ident" && opTok.text === "contains") op = this.ts.acceptWord("key") ? "CONTAINS KEY" : "CONTAINS";
      else if (opTok.kind === "ident" && opTok.text === "like")
        throw new CqlSyntaxError(`${opTok.raw.toUpperCase()} restrictions are not supported`, opTok.line, opTok.col);
      else throw new CqlSyntaxError(`expected a relation operator but found '${opTok.raw || "end of input"}'`, opTok.line, opTok.col);
      let values: Term[];
      if (op === "IN") {
        if (this.ts.peek().kind === "bind") values = [this.term()];
        else {
          this.ts.expectPunct("(");
          values = [];
          if (!this.ts.isPunct(")")) {
            do values.push(this.term());
            while (this.ts.acceptPunct(","));
          }
          this.ts.expectPunct(")");
        }
      } else values = [this.term()];
      if (token && (op === "IN" || op === "CONTAINS" || op === "CONTAINS KEY")) throw new CqlSyntaxError(`token() takes =, <, <=, > or >=, not ${op}`, opTok.line, opTok.col);
      out.push(token ? { columns, op, values, tok, token } : { columns, op, values, tok });
    } while (this.ts.acceptWord("and"));
    return out;
  }

  /** A value; nested literals recurse, so their depth is bounded. */
  /** Terms separated by commas, then `close`; `empty`: `close` may come first. */
  private termsUntil(close: string, empty: boolean): Term[] {
    const items: Term[] = [];
    if (!empty || !this.ts.isPunct(close)) {
      do items.push(this.term());
      while (this.ts.acceptPunct(","));
    }
    this.ts.expectPunct(close);
    return items;
  }

  term(): Term {
    if (++this.depth > MAX_NESTING) this.ts.fail(`value nested deeper than ${MAX_NESTING} levels`);
    try {
      return this.termAt();
    } finally {
      this.depth--;
    }
  }

  private termAt(): Term {
    const t = this.ts.peek();
    if (t.kind === "bind") {
      this.ts.next();
      this.markers.push({ name: t.text || null, tok: t });
      return { kind: "bind", tok: t, index: this.markers.length - 1, name: t.text || null };
    }
    if (t.kind === "punct" && t.text === "-") {
      const n = this.ts.peek(1);
      if (n.kind === "int" || n.kind === "float" || (n.kind === "ident" && (n.text === "nan" || n.text === "infinity"))) {
        this.ts.next();
        this.ts.next();
        return { kind: "literal", tok: n, negative: true };
      }
    }
    if (t.kind === "punct" && t.text === "[") {
      this.ts.next();
      return { kind: "list", tok: t, items: this.termsUntil("]", true) };
    }
    if (t.kind === "punct" && t.text === "{") {
      this.ts.next();
      if (this.ts.acceptPunct("}")) return { kind: "map", tok: t, entries: [] }; // {} fits set, map and UDT
      // UDT literal: { ident : term, ... }
      if ((this.ts.peek().kind === "ident" || this.ts.peek().kind === "qident") && this.ts.isPunct(":", 1)) {
        const fields: [string, Term][] = [];
        do {
          const name = this.ts.ident("field name");
          this.ts.expectPunct(":");
          fields.push([name, this.term()]);
        } while (this.ts.acceptPunct(","));
        this.ts.expectPunct("}");
        return { kind: "udt", tok: t, fields };
      }
      const first = this.term();
      if (this.ts.acceptPunct(":")) {
        const entries: [Term, Term][] = [[first, this.term()]];
        while (this.ts.acceptPunct(",")) {
          const k = this.term();
          this.ts.expectPunct(":");
          entries.push([k, this.term()]);
        }
        this.ts.expectPunct("}");
        return { kind: "map", tok: t, entries };
      }
      const items = [first];
      while (this.ts.acceptPunct(",")) items.push(this.term());
      this.ts.expectPunct("}");
      return { kind: "set", tok: t, items };
    }
    if (t.kind === "punct" && t.text === "(") {
      this.ts.next();
      return { kind: "tuple", tok: t, items: this.termsUntil(")", false) };
    }
    if (t.kind === "ident" && this.ts.isPunct("(", 1)) {
      this.ts.next();
      this.ts.next();
      return { kind: "call", tok: t, name: t.text, args: this.termsUntil(")", true) };
    }
    if (t.kind === "ident" && t.text === "null") {
      this.ts.next();
      return { kind: "null", tok: t };
    }
    if (["string", "int", "float", "hex", "uuid", "duration"].includes(t.kind) || (t.kind === "ident" && ["true", "false", "nan", "infinity"].includes(t.text))) {
      this.ts.next();
      return { kind: "literal", tok: t };
    }
    this.ts.fail(`expected a value but found '${t.raw || "end of input"}'`);
  }
}
