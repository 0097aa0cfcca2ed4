// The JS heap a bounded child measures: every space but the young generation.
// --max-old-space-size caps exactly these; the young generation comes on top
// of the cap and its fill at a sampling moment depends on when the scavenger
// last ran (later on a loaded machine), so counting it made the bounded tests
// fail at random under load.
import { getHeapSpaceStatistics } from "node:v8";

export function oldGenerationUsed() {
  let n = 0;
  for (const s of getHeapSpaceStatistics()) if (s.space_name !== "new_space") n += s.space_used_size;
  return n;
}
