// Merge policies from plain options (what setMergePolicy and the worker accept).
import { MergePolicy } from "./policy.js";
import { SizeTieredPolicy, SizeTieredOptions } from "./stcs.js";
import { LeveledPolicy, LeveledOptions } from "./lcs.js";
import { TimeWindowPolicy, TimeWindowOptions } from "./twcs.js";
import { SSTableEntry } from "../version/manifest.js";

export type PolicySpec =
  | ({ kind: "size-tiered" } & SizeTieredOptions)
  | ({ kind: "leveled" } & LeveledOptions)
  | ({ kind: "time-window" } & TimeWindowOptions);

export function policyFrom(spec: PolicySpec, stats: (s: SSTableEntry) => { maxLocalDeletionTime: number } | null): MergePolicy {
  switch (spec.kind) {
    case "size-tiered": return new SizeTieredPolicy(spec);
    case "leveled": return new LeveledPolicy(spec);
    case "time-window": return new TimeWindowPolicy(spec, stats);
    default: throw new RangeError(`unknown merge policy ${(spec as { kind: string }).kind}`);
  }
}
