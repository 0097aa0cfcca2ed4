// What a fuzz target is: it draws a case (plain JSON data, so a failing one
// can be saved and replayed) and runs it against the contract, saying
// whether the input was accepted or refused with a typed error. A broken
// contract is thrown as a Finding.
import { Rng } from "./rng.js";

export type Verdict = "accepted" | "refused";

export interface FuzzTarget<C = unknown> {
  readonly name: string;
  /** builds what inputs start from (fixture tables, database images); idempotent */
  setup(): Promise<void>;
  draw(rng: Rng): C;
  run(c: C): Promise<Verdict>;
}
