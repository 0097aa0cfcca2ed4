// Runs one benchmark job in a fresh dedicated worker and returns its result;
// the large-table reads run from the page itself, through openInWorker.
import type { Job, JobResult } from "./worker.js";
import { large, heapWithin } from "./large.js";

async function run(job: Job): Promise<JobResult> {
  const w = new Worker(new URL("./worker.ts", import.meta.url), { type: "module" });
  try {
    return await new Promise<JobResult>((resolve, reject) => {
      w.onmessage = (ev: MessageEvent<{ ok: boolean; result?: JobResult; error?: string; measure?: boolean }>) => {
        // the worker asks for the memory of the page and its workers, which only the page can measure;
        // a measurement that fails or does not come (once, a run waited on one for minutes) answers null
        if (ev.data.measure) void heapWithin().then((bytes) => w.postMessage({ measured: bytes }));
        else if (ev.data.ok) resolve(ev.data.result!);
        else reject(new Error(ev.data.error));
      };
      w.onerror = (ev) => reject(new Error(ev.message || "worker failed to load"));
      w.postMessage(job);
    });
  } finally {
    w.terminate();
  }
}

(globalThis as unknown as { bench: { run: typeof run; large: typeof large; isolated: boolean } }).bench = { run, large, isolated: crossOriginIsolated };
document.body.dataset.ready = "1";
