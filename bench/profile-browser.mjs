// Profiling aid: one side-by-side bench job (default: this engine's reads) in
// Chromium, with V8's CPU profiler attached to the job's dedicated worker over
// the DevTools protocol; writes the worker's .cpuprofile for the same tools as
// `node --cpu-prof` output. The numbers of a profiled run are not benchmarks.
//   [ROWS=100000] [BATCH=10000] [POLICY=size-tiered] node bench/profile-browser.mjs [kind] [out.cpuprofile]
import { openBenchPage } from "./browser-server.mjs";
import { writeFileSync } from "node:fs";

const [kind = "reads", out = "browser.cpuprofile"] = process.argv.slice(2);
const port = Number(process.env.BENCH_PORT ?? 5177);
const { page, ctx, close } = await openBenchPage(port, { profilePrefix: "cqlite-prof-" });
try {
  // the job's worker appears as a child target; messages reach it through the page's session
  const cdp = await ctx.newCDPSession(page);
  let seq = 0;
  const pending = new Map();
  let worker = null;
  cdp.on("Target.receivedMessageFromTarget", ({ message }) => {
    const m = JSON.parse(message);
    if (pending.has(m.id)) pending.get(m.id)(m), pending.delete(m.id);
  });
  const send = (method, params = {}) => new Promise((resolve) => {
    const id = ++seq;
    pending.set(id, resolve);
    cdp.send("Target.sendMessageToTarget", { sessionId: worker, message: JSON.stringify({ id, method, params }) });
  });
  const started = new Promise((resolve) => cdp.on("Target.attachedToTarget", async ({ sessionId, targetInfo }) => {
    if (targetInfo.type !== "worker" || worker) return;
    worker = sessionId;
    await send("Profiler.enable");
    await send("Profiler.setSamplingInterval", { interval: 100 });
    await send("Profiler.start");
    await send("Runtime.runIfWaitingForDebugger");
    resolve();
  }));
  await cdp.send("Target.setAutoAttach", { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
  // the page ends a job by terminating its worker: held back until the profile is taken
  await page.evaluate(() => {
    const end = Worker.prototype.terminate;
    Worker.prototype.terminate = function () { globalThis.endWorker = () => end.call(this); };
  });
  const job = page.evaluate((x) => globalThis.bench.run(x), { system: "engine", kind, rows: Number(process.env.ROWS ?? 100_000), batch: Number(process.env.BATCH ?? 10_000), policy: process.env.POLICY, name: `prof-${Date.now()}` });
  await started;
  const res = await job;
  const { result } = await send("Profiler.stop");
  await page.evaluate(() => globalThis.endWorker?.());
  writeFileSync(out, JSON.stringify(result.profile));
  console.log(JSON.stringify(res), "->", out);
} finally {
  await close();
}
