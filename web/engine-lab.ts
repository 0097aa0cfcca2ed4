// The engine lab page: starts workers that run the engine over OPFS and
// exposes them to end-to-end tests as window.lab.
type Reply = { id: number; ok: boolean; value?: unknown; error?: { code: string; message: string }; progress?: unknown };

class LabWorker {
  readonly worker = new Worker(new URL("./engine-lab-worker.ts", import.meta.url), { type: "module" });
  private next = 1;
  private pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  /** progress messages (acknowledged writes) as they arrive */
  readonly progress: unknown[] = [];

  constructor() {
    this.worker.onmessage = (ev: MessageEvent<Reply>) => {
      const m = ev.data;
      if (m.progress !== undefined) {
        this.progress.push(m.progress);
        return;
      }
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(Object.assign(new Error(m.error!.message), { code: m.error!.code }));
    };
  }

  call(op: string, args: unknown = {}): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, op, args });
    });
  }

  terminate(): void {
    this.worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error("worker terminated"));
    this.pending.clear();
  }
}

const workers: LabWorker[] = [];

const lab = {
  /** a new worker; returns its index */
  spawn(): number {
    workers.push(new LabWorker());
    return workers.length - 1;
  },
  async call(w: number, op: string, args?: unknown): Promise<unknown> {
    try {
      return { ok: true, value: await workers[w].call(op, args) };
    } catch (e) {
      return { ok: false, code: (e as { code?: string }).code ?? "ERROR", message: (e as Error).message };
    }
  },
  /** starts a call without waiting (for bursts) */
  start(w: number, op: string, args?: unknown): void {
    workers[w].call(op, args).catch(() => undefined);
  },
  progress(w: number): unknown[] {
    return workers[w].progress;
  },
  terminate(w: number): void {
    workers[w].terminate();
  },
};

(globalThis as unknown as { lab: typeof lab }).lab = lab;
document.getElementById("log")!.textContent = "ready";
document.body.dataset.ready = "1";
