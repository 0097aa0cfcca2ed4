// The page-side pieces of the browser host that need no browser: values and
// errors across the worker boundary, and the idle maintenance loop.
import { describe, it, expect, afterEach } from "vitest";
import { toWire, fromWire, errorToWire, isWireError } from "../src/browser/wire.js";
import { IdleMaintenance } from "../src/browser/idle.js";
import { Decimal, Duration } from "../src/types/values.js";
import { CqliteError } from "../src/errors.js";
import type { MaintenanceReport } from "../src/engine/engine.js";

function report(pending: boolean): MaintenanceReport {
  return { compaction: "x", partitionsMerged: 1, rowsMerged: 0, bytesRead: 0, bytesWritten: 0, tombstonesPurged: 0, sstablesIn: 0, sstablesOut: 0, timeMs: 1, pending };
}

describe("wire values", () => {
  it("rebuilds Decimal and Duration wherever they sit, and leaves the rest alone", () => {
    const v = {
      d: new Decimal(-12345n, 3), u: new Duration(1, 2, 3n), b: Uint8Array.from([1, 2]), n: 7n, s: "x", nil: null,
      list: [new Decimal(1n, 0), [new Duration(0, 0, 5n)]], map: new Map<unknown, unknown>([[new Decimal(2n, 1), { inner: new Duration(0, 1, 0n) }]]),
    };
    const wired = structuredClone(toWire(v));
    const back = fromWire(wired) as typeof v;
    expect(back.d).toBeInstanceOf(Decimal);
    expect(back.d.toString()).toBe("-12.345");
    expect(back.u).toEqual(new Duration(1, 2, 3n));
    expect(back.u).toBeInstanceOf(Duration);
    expect(back.b).toEqual(Uint8Array.from([1, 2]));
    expect(back.n).toBe(7n);
    expect((back.list[1] as unknown[])[0]).toBeInstanceOf(Duration);
    const [[k, x]] = [...back.map];
    expect(k).toBeInstanceOf(Decimal);
    expect((x as { inner: unknown }).inner).toBeInstanceOf(Duration);
    // without the tags, structured clone would have dropped the classes
    expect(structuredClone(v).d).not.toBeInstanceOf(Decimal);
  });

  it("carries an error's code and message", () => {
    const w = structuredClone(errorToWire(new CqliteError("LOCKED", "locked by another tab")));
    expect(isWireError(w)).toBe(true);
    expect(w).toMatchObject({ code: "LOCKED", message: "locked by another tab", name: "CqliteError" });
    expect(errorToWire(new Error("plain"))).toMatchObject({ code: "ERROR", message: "plain" });
    expect(isWireError({ message: "x" })).toBe(false);
  });
});

describe("idle maintenance", () => {
  const g = globalThis as { requestIdleCallback?: unknown; cancelIdleCallback?: unknown };
  afterEach(() => {
    delete g.requestIdleCallback;
    delete g.cancelIdleCallback;
  });

  function until(f: () => boolean): Promise<void> {
    return new Promise((resolve) => {
      const t = setInterval(() => f() && (clearInterval(t), resolve()), 2);
    });
  }

  it("without requestIdleCallback, steps on a timer with the fallback budget until nothing is pending", async () => {
    const budgets: number[] = [];
    let left = 5;
    const m = new IdleMaintenance(async (b) => (budgets.push(b), report(--left > 0)), { fallbackBudgetMs: 7, fallbackIntervalMs: 1 });
    expect(m.usesIdleCallback).toBe(false);
    m.kick();
    m.kick(); // a second kick while running schedules nothing more
    await until(() => !m.active);
    expect(budgets).toEqual([7, 7, 7, 7, 7]);
    expect(m.steps).toBe(5);
    left = 2;
    m.kick(); // new work after a write
    await until(() => !m.active);
    expect(m.steps).toBe(7);
  });

  it("spends what requestIdleCallback offers, capped, and waits out periods too short to use", async () => {
    const offers = [30, 2, 120, 16];
    g.requestIdleCallback = (cb: (d: { timeRemaining(): number; didTimeout: boolean }) => void) => {
      const ms = offers.shift() ?? 10;
      setTimeout(() => cb({ timeRemaining: () => ms, didTimeout: false }), 0);
      return 1;
    };
    const budgets: number[] = [];
    const m = new IdleMaintenance(async (b) => (budgets.push(b), report(budgets.length < 3)), { maxBudgetMs: 50, minBudgetMs: 4 });
    expect(m.usesIdleCallback).toBe(true);
    m.kick();
    await until(() => !m.active);
    expect(budgets).toEqual([30, 50, 16]);
  });

  it("stops on an error and on stop(); resume() starts again", async () => {
    let fail = true;
    const errors: unknown[] = [];
    let steps = 0;
    const m = new IdleMaintenance(async () => {
      steps++;
      if (fail) throw new Error("disk gone");
      return report(true);
    }, { fallbackIntervalMs: 1, onError: (e) => errors.push(e) });
    m.kick();
    await until(() => errors.length === 1);
    expect(m.active).toBe(false);
    fail = false;
    m.stop();
    m.kick(); // stopped: ignored
    await new Promise((r) => setTimeout(r, 10));
    expect(steps).toBe(1);
    m.resume();
    await until(() => steps >= 3);
    m.stop();
    const at = steps;
    await new Promise((r) => setTimeout(r, 10));
    expect(steps).toBeLessThanOrEqual(at + 1);
  });
});
