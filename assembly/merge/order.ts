// Comparisons in batches, for the host: it hands over a run of clusterings
// and gets every answer back from one call, so a read pays one boundary
// crossing per block, page or filter batch instead of one per comparison.
// The order itself is compare.ts's; this file only walks runs.
//
// A run (docs/core-abi.md): count × (u8 kind, clustering), the clustering as
// in the row stream. A lone value travels as a one-value clustering of a
// table whose only clustering column has its type.
import { TypeDesc } from "../schema";
import { Values } from "../stream";
import { In } from "../util/in";
import { fail, ERR_INVALID } from "../util/error";
import { compareClustering } from "./compare";
import { KIND_EXCL_START_BOUND } from "../format/constants";

const A = new Values();
const B = new Values();
const reader = new In(0, 0);

// Reads one clustering of a run into v, checked; returns its kind.
function readOne(types: TypeDesc[], r: In, v: Values): i32 {
  const kind = <i32>r.u8();
  if (kind > KIND_EXCL_START_BOUND) fail(ERR_INVALID, r.pos - 1);
  v.read(r);
  if (v.n > types.length) fail(ERR_INVALID, r.pos);
  return kind;
}

// Where each of `count` clusterings starts; checks the run is whole.
function starts(types: TypeDesc[], p: usize, n: i32, count: i32): StaticArray<usize> {
  const at = new StaticArray<usize>(count);
  const r = new In(p, n);
  for (let i = 0; i < count; i++) {
    unchecked((at[i] = r.at()));
    readOne(types, r, A);
  }
  if (r.remaining() != 0) fail(ERR_INVALID, r.pos);
  return at;
}

// Reads the clustering at p (already checked by starts) into v; returns its kind.
@inline function load1(p: usize, v: Values): i32 {
  reader.base = p + 1;
  reader.pos = 0;
  reader.end = i32.MAX_VALUE;
  v.read(reader);
  return <i32>load<u8>(p);
}

@inline function compareAt(types: TypeDesc[], a: usize, b: usize): i32 {
  const ak = load1(a, A);
  const bk = load1(b, B);
  return compareClustering(types, A, ak, B, bk);
}

// out[j × count + i] (i8): the sign of clustering i of the run at p against
// probe j of the run at q. The probes are read once, the run once, in order.
export function signsAgainst(types: TypeDesc[], p: usize, n: i32, count: i32, q: usize, qn: i32, nProbes: i32, out: usize): void {
  const probes = new Array<Values>(nProbes);
  const probeKinds = new StaticArray<i32>(nProbes);
  const pr = new In(q, qn);
  for (let j = 0; j < nProbes; j++) {
    const v = new Values();
    unchecked((probeKinds[j] = readOne(types, pr, v)));
    unchecked((probes[j] = v));
  }
  if (pr.remaining() != 0) fail(ERR_INVALID, pr.pos);
  const r = new In(p, n);
  for (let i = 0; i < count; i++) {
    const k = readOne(types, r, A);
    for (let j = 0; j < nProbes; j++) {
      store<i8>(out + <usize>(j * count + i), <i8>compareClustering(types, A, k, unchecked(probes[j]), unchecked(probeKinds[j])));
    }
  }
  if (r.remaining() != 0) fail(ERR_INVALID, r.pos);
}

// out[i] (i32): the index of the i-th clustering in order, stably; ~index
// when it equals the one before it, so the host dedupes without asking again.
export function sortOrder(types: TypeDesc[], p: usize, n: i32, count: i32, out: usize): void {
  const at = starts(types, p, n, count);
  let src = new StaticArray<i32>(count);
  let dst = new StaticArray<i32>(count);
  for (let i = 0; i < count; i++) unchecked((src[i] = i));
  // bottom-up merge sort: stable, and n log n comparisons at worst
  for (let width = 1; width < count; width <<= 1) {
    for (let lo = 0; lo < count; lo += width << 1) {
      const mid = min(lo + width, count);
      const hi = min(lo + (width << 1), count);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        const x = unchecked(src[i]);
        const y = unchecked(src[j]);
        if (compareAt(types, unchecked(at[y]), unchecked(at[x])) < 0) {
          unchecked((dst[k++] = y));
          j++;
        } else {
          unchecked((dst[k++] = x));
          i++;
        }
      }
      while (i < mid) unchecked((dst[k++] = src[i++]));
      while (j < hi) unchecked((dst[k++] = src[j++]));
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let i = 0; i < count; i++) {
    const x = unchecked(src[i]);
    const same = i > 0 && compareAt(types, unchecked(at[unchecked(src[i - 1])]), unchecked(at[x])) == 0;
    store<i32>(out + (<usize>i << 2), same ? ~x : x);
  }
}

// out[j] (i32): for each of nProbes probes, the first of `count` sorted
// clusterings at or after it (strictly after it when `after`), count if none.
export function lowerBounds(types: TypeDesc[], p: usize, n: i32, count: i32, q: usize, qn: i32, nProbes: i32, after: bool, out: usize): void {
  const at = starts(types, p, n, count);
  const probes = starts(types, q, qn, nProbes);
  for (let j = 0; j < nProbes; j++) {
    const probe = unchecked(probes[j]);
    let a = 0;
    let z = count;
    while (a < z) {
      const mid = (a + z) >>> 1;
      const c = compareAt(types, unchecked(at[mid]), probe);
      if (c < 0 || (after && c == 0)) a = mid + 1;
      else z = mid;
    }
    store<i32>(out + (<usize>j << 2), a);
  }
}
