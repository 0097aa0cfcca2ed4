// Repeated measurements: median, min and max of at least five runs.
export interface Measure {
  median: number;
  min: number;
  max: number;
  runs: number;
}

/** Median, min and max of `xs` (sorted in place). */
function summarize(xs: number[], runs: number): Measure {
  xs.sort((a, b) => a - b);
  return { median: xs[Math.floor(xs.length / 2)], min: xs[0], max: xs[xs.length - 1], runs };
}

export function measure(runs: number, f: () => number): Measure {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(f());
  return summarize(xs, runs);
}

export async function measureAsync(runs: number, f: () => Promise<number>): Promise<Measure> {
  const xs: number[] = [];
  for (let i = 0; i < runs; i++) xs.push(await f());
  return summarize(xs, runs);
}

/**
 * Systems measured round-robin, `runs` rounds, the order turning each round,
 * so every system's runs meet the same phases of the machine (a process here
 * moves by half from one phase to the next, and timing one system's runs back
 * to back, then the other's, put the ratio at the mercy of whichever phase
 * each got). Returns a Measure per system.
 */
export async function measureRoundRobin<K extends string>(runs: number, systems: Record<K, () => number | Promise<number>>): Promise<Record<K, Measure>> {
  const names = Object.keys(systems) as K[];
  const xs = new Map<K, number[]>(names.map((n) => [n, []]));
  for (let i = 0; i < runs; i++) {
    // turned by one each round, and reversed every other round: each system
    // follows each other one about as often (the garbage a run leaves falls
    // on whichever runs next)
    const order = names.map((_, j) => names[(i + j) % names.length]);
    if (i % 2 === 1) order.reverse();
    for (const n of order) xs.get(n)!.push(await systems[n]());
  }
  const out = {} as Record<K, Measure>;
  for (const n of names) out[n] = summarize(xs.get(n)!, runs);
  return out;
}

export function fmt(m: Measure, unit: string): string {
  const d = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return `${d(m.median)} ${unit} (${d(m.min)}–${d(m.max)})`;
}
