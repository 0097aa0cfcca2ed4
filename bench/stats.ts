// Repeated measurements: median, min and max of at least five runs.
export interface Measure {
  median: number;
  min: number;
  max: number;
  runs: number;
}

export function measure(runs: number, f: () => number): Measure {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(f());
  xs.sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0], max: xs[xs.length - 1], runs };
}

export async function measureAsync(runs: number, f: () => Promise<number>): Promise<Measure> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await f());
  xs.sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0], max: xs[xs.length - 1], runs };
}

/**
 * Systems measured round-robin, `runs` rounds, the order turning by one each
 * round, so every system's runs meet the same phases of the machine (a
 * process here moves by half from one phase to the next, and timing one
 * system's runs back to back, then the other's, put the ratio at the mercy of
 * whichever phase each got). Returns a Measure per system.
 */
export async function measureRoundRobin<K extends string>(runs: number, systems: Record<K, () => number | Promise<number>>): Promise<Record<K, Measure>> {
  const names = Object.keys(systems) as K[];
  const xs = new Map<K, number[]>(names.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) {
    for (let j = 0; j < names.length; j++) {
      const n = names[(i + j) % names.length];
      xs.get(n)!.push(await systems[n]());
    }
  }
  const out = {} as Record<K, Measure>;
  for (const n of names) {
    const s = xs.get(n)!.sort((a, b) => a - b);
    out[n] = { median: s[Math.floor(s.length / 2)], min: s[0], max: s[s.length - 1], runs };
  }
  return out;
}

export function fmt(m: Measure, unit: string): string {
  const d = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return `${d(m.median)} ${unit} (${d(m.min)}–${d(m.max)})`;
}
