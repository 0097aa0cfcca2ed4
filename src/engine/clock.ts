// The engine's one notion of time. Write timestamps, TTL expiry, gc_grace
// and the manifest's createdAt all come from here, so a test that injects a
// clock sees every decision made at the time it chose, not at wall time.

/** Microseconds since the epoch. */
export type MicrosClock = () => bigint;

export const wallMicros: MicrosClock = () => BigInt(Date.now()) * 1000n;

export class EngineClock {
  private lastMicros = 0n;
  constructor(private readonly micros: MicrosClock = wallMicros) {}

  /** Write timestamps: microseconds, strictly increasing even if the clock stalls or steps back. */
  nextTimestamp(): bigint {
    const now = this.micros();
    this.lastMicros = now > this.lastMicros ? now : this.lastMicros + 1n;
    return this.lastMicros;
  }

  /**
   * `n` write timestamps at once (a batch's rows): the first is returned,
   * the rest follow it by one microsecond each, as n calls of nextTimestamp
   * in a loop faster than the clock ticks would give.
   */
  reserveTimestamps(n: number): bigint {
    const first = this.nextTimestamp();
    if (n > 1) this.lastMicros = first + BigInt(n - 1);
    return first;
  }

  /** Seconds since the epoch: what TTLs and gc_grace_seconds are measured against. */
  nowSeconds(): number {
    return Number(this.micros() / 1_000_000n);
  }

  /** Milliseconds since the epoch, for the manifest's createdAt. */
  nowMs(): number {
    return Number(this.micros() / 1000n);
  }
}
