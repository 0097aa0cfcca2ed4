// A SELECT that parses but that Cassandra would refuse to run as asked
// (its InvalidRequest): filtering without ALLOW FILTERING, DISTINCT over
// columns it cannot give, a token() over the wrong columns. The message is
// Cassandra's where there is one, with the line and column of the clause.
import { CqliteError } from "../errors.js";
import { Token } from "./lexer.js";

export class InvalidRequestError extends CqliteError {
  constructor(message: string, readonly line: number, readonly column: number) {
    super("INVALID_REQUEST", `${message} (line ${line}, column ${column})`);
  }
}

export function invalidRequest(tok: Token, message: string): never {
  throw new InvalidRequestError(message, tok.line, tok.col);
}

/** Cassandra's words for a query that would have to read rows it does not return. */
export const REQUIRES_ALLOW_FILTERING =
  "Cannot execute this query as it might involve data filtering and thus may have unpredictable performance. If you want to execute this query despite the performance unpredictability, use ALLOW FILTERING";
