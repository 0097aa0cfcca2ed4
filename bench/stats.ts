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

export function fmt(m: Measure, unit: string): string {
  const d = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
  return `${d(m.median)} ${unit} (${d(m.min)}–${d(m.max)})`;
}
