// Rows as text in a table: the one rendering both demo pages use.
import type { CqlRow } from "../src/read/materialize.js";

export function show(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return "0x" + Array.from(v, (b) => b.toString(16).padStart(2, "0")).join("");
  if (v instanceof Map) return "{" + [...v].map(([k, x]) => `${show(k)}: ${show(x)}`).join(", ") + "}";
  if (Array.isArray(v)) return "[" + v.map(show).join(", ") + "]";
  if (typeof v === "object") return (v as object).toString === Object.prototype.toString ? "{" + Object.entries(v as object).map(([k, x]) => `${k}: ${show(x)}`).join(", ") + "}" : String(v);
  return String(v);
}

/** Fills `table` with up to `max` rows; returns how many it showed. */
export function renderRows(table: HTMLTableElement, rows: CqlRow[], max = 500): number {
  const cols = rows.length ? Object.keys(rows[0]) : [];
  const head = document.createElement("tr");
  for (const c of cols) head.appendChild(document.createElement("th")).textContent = c;
  table.tHead!.replaceChildren(head);
  const body = document.createDocumentFragment();
  for (const r of rows.slice(0, max)) {
    const tr = document.createElement("tr");
    for (const c of cols) tr.appendChild(document.createElement("td")).textContent = show(r[c]);
    body.appendChild(tr);
  }
  table.tBodies[0].replaceChildren(body);
  return Math.min(rows.length, max);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1 << 20) return `${(n / 1024).toFixed(1)} KiB`;
  return `${(n / (1 << 20)).toFixed(1)} MiB`;
}
