// A page as a user writes it: the package by its name, no bundler settings.
// Each button does one thing and writes its outcome as JSON into #out.
import { openInWorker, CqliteError, type BrowserEngine, type CqlRow } from "cqlite-web";

const SCHEMA = "CREATE TABLE shop.items (id int PRIMARY KEY, name text, tags set<text>)";
let db: BrowserEngine | null = null;

function show(outcome: unknown): void {
  document.getElementById("out")!.textContent = JSON.stringify(outcome, (_, v) => (typeof v === "bigint" ? String(v) : v));
}

function on(id: string, action: () => Promise<unknown>): void {
  document.getElementById(id)!.addEventListener("click", async () => {
    const t0 = performance.now();
    try {
      show({ ok: true, value: await action(), ms: performance.now() - t0 });
    } catch (e) {
      const err = e as CqliteError;
      show({ ok: false, name: err.name, code: err.code, message: err.message, typed: e instanceof CqliteError, ms: performance.now() - t0 });
    }
  });
}

on("open", async () => {
  db = await openInWorker({ name: "shop", schema: SCHEMA });
  return db.info.location;
});
on("write", async () => {
  await db!.insert([{ id: 1, name: "one", tags: ["a"] }, { id: 2, name: "two" }]);
  await db!.execute("UPDATE items SET tags = tags + {'b'} WHERE id = ?", [1]);
  return "written";
});
on("read", async (): Promise<CqlRow[]> => db!.select("SELECT * FROM items"));
on("export", async () => {
  const { blob, report } = await db!.exportSSTable();
  const a = Object.assign(document.createElement("a"), { href: URL.createObjectURL(blob), download: "shop-items.zip" });
  a.click();
  return { rows: report.rows, zipBytes: blob.size };
});
on("close", async () => {
  await db!.close();
  db = null;
  return "closed";
});
