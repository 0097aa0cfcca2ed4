// An asc transform (passed by package.json's build:core): routes the pages
// TLSF asks memory.grow for through assembly/rt/grow.ts's growPages, whose
// comment says why. The build fails if TLSF's growMemory no longer holds the
// two requests this rewrites, so a new AssemblyScript cannot drop the policy
// silently.
import { Transform } from "assemblyscript/transform";

const GROW_MEMORY = "~lib/rt/tlsf/growMemory";
const POLICY = "assembly/rt/grow/growPages";
const EXPORT = "growPages";
// the fields of getExpressionInfo that hold child expressions (the others are types, indexes, offsets)
const CHILDREN = ["children", "operands", "condition", "ifTrue", "ifFalse", "left", "right", "value", "ptr", "delta", "body"];

export default class GrowTransform extends Transform {
  afterCompile(module) {
    const b = this.binaryen;
    const fn = module.getFunction(GROW_MEMORY);
    if (!fn) throw new Error(`grow-transform: ${GROW_MEMORY} is not in the module`);
    if (!module.getFunction(POLICY) || !module.getExport(EXPORT)) throw new Error(`grow-transform: ${POLICY} is not compiled and exported as ${EXPORT} (or the transform ran twice)`);
    // leaves: no children (and binaryen.js cannot describe Unreachable)
    const leaves = new Set([b.ConstId, b.UnreachableId, b.NopId, b.LocalGetId, b.GlobalGetId, b.MemorySizeId]);
    const grows = [];
    const walk = (e) => {
      if (!e || leaves.has(b.getExpressionId(e))) return;
      const info = b.getExpressionInfo(e);
      if (info.id === b.MemoryGrowId) grows.push(e);
      for (const k of CHILDREN) {
        const v = info[k];
        if (Array.isArray(v)) v.forEach(walk);
        else if (typeof v === "number") walk(v);
      }
    };
    walk(b.getFunctionInfo(fn).body);
    if (grows.length !== 2) throw new Error(`grow-transform: ${GROW_MEMORY} has ${grows.length} memory.grow, not the two it rewrites`);
    for (const g of grows) {
      const delta = b.MemoryGrow.getDelta(g);
      // passed twice, the transform would grow two steps at a time
      if (b.getExpressionId(delta) === b.CallId && b.getExpressionInfo(delta).target === POLICY) throw new Error("grow-transform: applied twice");
      b.MemoryGrow.setDelta(g, module.call(POLICY, [delta], b.i32));
    }
    // exported only so that asc compiled it: a host call would upset TLSF's requests (a stray refusal, or pages TLSF never takes in)
    module.removeExport(EXPORT);
  }
}
