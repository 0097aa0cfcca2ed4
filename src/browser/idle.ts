// Idle-time maintenance: the page's idle periods become compaction budgets
// for the worker. requestIdleCallback says how long the page expects to stay
// idle; that time, capped, is what maintenanceStep may spend. Where there is
// no requestIdleCallback (Safari, workers, edge runtimes) a timer stands in
// with a fixed budget. The loop stops when the engine reports nothing pending
// and starts again when a write may have made work (kick()).
import type { MaintenanceReport } from "../engine/engine.js";

export interface IdleMaintenanceOptions {
  /** the most one step may spend, whatever the idle period (default 50 ms: one frame budget of long-task time) */
  maxBudgetMs?: number;
  /** steps shorter than this are not worth a round trip (default 4 ms) */
  minBudgetMs?: number;
  /** budget per step where requestIdleCallback is missing (default 10 ms) */
  fallbackBudgetMs?: number;
  /** pause between timer steps, so the host keeps most of the time (default 40 ms) */
  fallbackIntervalMs?: number;
  /** told of every step (for a status view) */
  onStep?: (report: MaintenanceReport) => void;
  /** told of a failed step; the loop stops until the next kick() */
  onError?: (error: unknown) => void;
}

interface IdleDeadlineLike {
  timeRemaining(): number;
  readonly didTimeout: boolean;
}

type RequestIdle = (cb: (d: IdleDeadlineLike) => void, opts?: { timeout: number }) => number;

export class IdleMaintenance {
  private running = false;
  private stopped = false;
  private handle: { cancel(): void } | null = null;
  steps = 0;
  readonly usesIdleCallback: boolean;
  private readonly ric: RequestIdle | null;

  constructor(
    private readonly step: (budgetMs: number) => Promise<MaintenanceReport>,
    private readonly options: IdleMaintenanceOptions = {},
  ) {
    const g = globalThis as { requestIdleCallback?: RequestIdle };
    this.ric = typeof g.requestIdleCallback === "function" ? g.requestIdleCallback.bind(globalThis) : null;
    this.usesIdleCallback = this.ric !== null;
  }

  /** True while steps are scheduled or running. */
  get active(): boolean {
    return this.running;
  }

  /** There may be work: run steps in idle time until the engine says none is pending. */
  kick(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    this.schedule();
  }

  /** No more steps until resume() (a running one finishes). */
  stop(): void {
    this.stopped = true;
    this.running = false;
    this.handle?.cancel();
    this.handle = null;
  }

  /** Undoes stop(), and looks for work. */
  resume(): void {
    this.stopped = false;
    this.kick();
  }

  private schedule(): void {
    const o = this.options;
    if (this.ric) {
      const ric = this.ric;
      let cancelled = false;
      const id = ric((d) => {
        if (!cancelled) void this.run(d.didTimeout ? o.fallbackBudgetMs ?? 10 : d.timeRemaining());
      }, { timeout: 1000 });
      const g = globalThis as { cancelIdleCallback?: (id: number) => void };
      this.handle = { cancel: () => ((cancelled = true), g.cancelIdleCallback?.(id)) };
    } else {
      const t = setTimeout(() => void this.run(o.fallbackBudgetMs ?? 10), o.fallbackIntervalMs ?? 40);
      this.handle = { cancel: () => clearTimeout(t) };
    }
  }

  private async run(idleMs: number): Promise<void> {
    this.handle = null;
    if (this.stopped) return;
    const o = this.options;
    const min = o.minBudgetMs ?? 4;
    if (idleMs < min) {
      this.schedule(); // too short to be worth a message: wait for a longer idle period
      return;
    }
    let report: MaintenanceReport;
    try {
      report = await this.step(Math.min(idleMs, o.maxBudgetMs ?? 50));
    } catch (e) {
      this.running = false;
      o.onError?.(e);
      return;
    }
    this.steps++;
    o.onStep?.(report);
    if (this.stopped) return;
    if (report.pending) this.schedule();
    else this.running = false;
  }
}
