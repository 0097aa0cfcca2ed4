// Pseudo-random hex that LZ4 cannot shrink, so files are as large as the rows
// they hold: the bounded-memory tests and the large-table benchmarks need
// sizes they can count on.
export function hexNoise(length: number, seed = 12345): () => string {
  let x = seed;
  return () => {
    let s = "";
    while (s.length < length) s += (x = (Math.imul(x, 1103515245) + 12345) >>> 0).toString(16);
    return s.slice(0, length);
  };
}
