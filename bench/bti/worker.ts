// Runs bench/bti.ts in a dedicated worker of the page bench/bti.mjs drives.
import { loadCoreBrowser } from "../../src/core/load-browser.js";
import { btiBench, BtiBenchOptions } from "../bti.js";

self.onmessage = async (ev: MessageEvent<BtiBenchOptions>) => {
  try {
    await loadCoreBrowser();
    self.postMessage({ ok: await btiBench(ev.data) });
  } catch (e) {
    self.postMessage({ error: String((e as Error).stack ?? e) });
  }
};
