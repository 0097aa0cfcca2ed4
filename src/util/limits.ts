// Bounds on hostile input that are not format facts: how deep a literal or a
// type may nest, and how much of an offending value an error message quotes.
// Recursive parsers check MAX_NESTING so that a 10,000-deep literal is a typed
// error rather than a blown stack; Cassandra's own types never come near it.

/** Deepest nesting of collection, tuple, UDT or parenthesis literals and of type names. */
export const MAX_NESTING = 64;

/** Characters of a value or file content an error message quotes at most. */
export const MAX_QUOTED = 80;

/** Characters of any error message at most (CqliteError cuts longer ones): a safety net under quote(). */
export const MAX_MESSAGE = 1024;

/** `s` cut to MAX_QUOTED characters, marking the cut. */
export function quote(s: string): string {
  return s.length <= MAX_QUOTED ? s : `${s.slice(0, MAX_QUOTED)}… (${s.length} characters)`;
}
