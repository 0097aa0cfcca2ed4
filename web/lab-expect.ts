// Vitest's own `expect` (its matchers on chai), for the engine cases that the
// lab worker runs over OPFS: the same assertions as the Node suite, in a browser.
import * as chai from "chai";
import { JestChaiExpect, JestAsymmetricMatchers, JestExtend, getState, setState } from "@vitest/expect";
import type { Expect } from "../test/engine-cases.js";

chai.use(JestExtend);
chai.use(JestChaiExpect);
chai.use(JestAsymmetricMatchers);

export function makeExpect(): Expect {
  const expect = ((value: unknown, message?: string) => {
    const s = getState(expect as never) as { assertionCalls: number };
    setState({ assertionCalls: s.assertionCalls + 1 }, expect as never);
    return chai.expect(value, message);
  }) as unknown as Expect;
  Object.assign(expect, chai.expect);
  setState({ assertionCalls: 0, isExpectingAssertions: false, isExpectingAssertionsError: null, expectedAssertionsNumber: null, expectedAssertionsNumberErrorGen: null }, expect as never);
  return expect;
}
