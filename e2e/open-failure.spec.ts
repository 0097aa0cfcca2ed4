// openInWorker when its worker or the wasm core cannot load: the open fails
// at once with a typed error carrying the reason, instead of never settling.
import { test, expect, Page } from "@playwright/test";
import { resolve } from "node:path";

const BROWSER_ENTRY = `/@fs${resolve("src/browser/index.ts")}`;

type Outcome = { resolved: boolean; name?: string; code?: string; message?: string; isCqlite?: boolean };

/** How the page's open of `db` settled; `before` runs once the page is there. */
async function openOutcome(page: Page, db: string, before?: () => Promise<unknown>): Promise<Outcome> {
  await page.goto("/engine-lab.html");
  await before?.();
  return page.evaluate(
    async ([entry, db]) => {
      const m = await import(/* @vite-ignore */ entry);
      try {
        const e = await m.openInWorker({ name: db, schema: "CREATE TABLE ks.t (k int PRIMARY KEY)", idleMaintenance: false });
        await e.close();
        return { resolved: true };
      } catch (e) {
        const err = e as { name: string; code: string; message: string };
        return { resolved: false, name: err.name, code: err.code, message: err.message, isCqlite: e instanceof m.CqliteError };
      }
    },
    [BROWSER_ENTRY, db] as const,
  );
}

test("a worker script that is not there makes openInWorker reject at once (not at the start timeout) with WorkerLoadError", async ({ page }) => {
  await page.route(/\/src\/browser\/worker\.ts/, (route) => route.fulfill({ status: 404, body: "gone" }));
  const r = await openOutcome(page, "no-worker");
  expect(r).toMatchObject({ resolved: false, name: "WorkerLoadError", code: "WORKER_LOAD", isCqlite: true });
  expect(r.message).toContain("404");
  expect(r.message).not.toMatch(/did not load within/); // the failure settled it, not the start timeout
});

test("a worker script that throws makes openInWorker reject at once, saying the script is there but failed", async ({ page }) => {
  await page.route(/\/src\/browser\/worker\.ts/, (route) =>
    route.fulfill({ status: 200, contentType: "text/javascript", body: 'throw new Error("the worker broke on purpose");' }),
  );
  const r = await openOutcome(page, "bad-worker");
  expect(r).toMatchObject({ resolved: false, name: "WorkerLoadError", code: "WORKER_LOAD", isCqlite: true });
  // a module worker's top-level exception reaches the page as a bare Event in Chromium: no message to pass on
  expect(r.message).toMatch(/worker\.ts is there \(text\/javascript\), so it threw/);
  expect(r.message).not.toMatch(/did not load within/);
});

test("a wasm core that does not load makes openInWorker reject with CoreLoadError", async ({ page }) => {
  const r = await openOutcome(page, "no-core", async () => {
    expect((await openOutcome(page, "warm-up")).resolved).toBe(true);
    await page.route((url) => url.pathname.endsWith("/core.wasm") && url.search === "", (route) => route.fulfill({ status: 404, body: "gone" }));
  });
  expect(r).toMatchObject({ resolved: false, name: "CoreLoadError", code: "CORE_LOAD", isCqlite: true });
  expect(r.message).toMatch(/wasm core did not load from .*core\.wasm: it answered 404/);
});

test("with the worker and the core in place, the same open succeeds", async ({ page }) => {
  const r = await openOutcome(page, "loads");
  expect(r.resolved).toBe(true);
});
