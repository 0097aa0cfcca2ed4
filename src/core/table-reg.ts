// A table's descriptor registered with the core once per schema object, and
// kept as long as the schema is: every reader, writer and merge of the table
// passes the same registration.
import { Registered } from "./core.js";
import { tableDescriptor } from "./descriptors.js";
import { TableSchema } from "../schema/schema.js";

const tableRegs = new WeakMap<TableSchema, Registered>();
export function tableReg(s: TableSchema): Registered {
  let r = tableRegs.get(s);
  if (!r) {
    r = new Registered(tableDescriptor(s), null);
    tableRegs.set(s, r);
  }
  return r;
}
