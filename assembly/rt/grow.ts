// How linear memory grows. AssemblyScript's allocator (TLSF) asks memory.grow
// for as many pages as memory already has, doubling it, and only if that
// fails for the pages the allocation needs. Doubling left a memtable of
// 11.6 MB in 33.6 MB of memory: a peak just past a power of two took the next
// one, and linear memory never shrinks. scripts/grow-transform.mjs passes
// both of TLSF's requests through growPages, which refuses the doubling and
// grows by what is needed or an eighth of memory, whichever is more; TLSF
// takes in all of memory.size() after its grow, so what this grows it uses.

// at least a megabyte (16 pages) at a time, and at least an eighth of memory,
// so a memtable of hundreds of megabytes grows in a few dozen steps
const GROW_MIN_PAGES: i32 = 16;
const GROW_FRACTION_SHIFT: i32 = 3;

// wasm32's whole address space in pages: a request for this many more always fails
const REFUSE: i32 = 0x10000;

// TLSF's second request follows its refused first at once, nothing between
let refused = false;

/**
 * The delta TLSF's memory.grow gets in place of `pages`: REFUSE to fail its
 * doubling; 0 once this has grown memory by a step itself; `pages` itself
 * when the step is no larger, or when growing by the step failed (then
 * TLSF's grow of exactly what it needs is the last resort, as before).
 */
export function growPages(pages: i32): i32 {
  const before = memory.size();
  // its first request is max(pages held, pages needed): when that is what
  // memory holds, it is the doubling. Up to a megabyte, doubling is no more
  // than a step, so it is let through.
  if (!refused && pages == before && before > GROW_MIN_PAGES) {
    refused = true;
    return REFUSE;
  }
  refused = false;
  let step = before >> GROW_FRACTION_SHIFT;
  if (step < GROW_MIN_PAGES) step = GROW_MIN_PAGES;
  if (step > pages && memory.grow(step) >= 0) return 0;
  return pages;
}
