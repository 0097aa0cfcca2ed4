// A file the CLI writes, durable before the command reports success: written
// under a temporary name beside its target, synced, renamed over the target,
// and the directory synced, so a crash or a failed load leaves the old file
// (or none) or the new one whole, never a part of one.
import { open, rename, rm, mkdir, FileHandle } from "node:fs/promises";
import { dirname, basename, join } from "node:path";
import { nodeOps } from "../storage/node.js";

export class DurableFile {
  private constructor(readonly path: string, private readonly temp: string, private readonly fh: FileHandle) {}

  static async create(path: string): Promise<DurableFile> {
    await mkdir(dirname(path), { recursive: true });
    const temp = join(dirname(path), `.${basename(path)}.${process.pid}.partial`);
    return new DurableFile(path, temp, await open(temp, "w"));
  }

  async write(chunk: Uint8Array): Promise<void> {
    for (let at = 0; at < chunk.length; ) at += (await this.fh.write(chunk, at, chunk.length - at)).bytesWritten;
  }

  async commit(): Promise<void> {
    await this.fh.sync();
    await this.fh.close();
    await rename(this.temp, this.path);
    await nodeOps.syncDir(dirname(this.path));
  }

  /** Leaves the target as it was. */
  async abandon(): Promise<void> {
    await this.fh.close().catch(() => undefined);
    await rm(this.temp, { force: true });
  }
}
