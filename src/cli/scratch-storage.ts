// The load's working directory: the engine's files on the local disk with
// every fsync left out. Nothing there is ever acknowledged: the load's one
// promise is its output, synced before success is reported (load.ts), and
// the directory is deleted after. Writes still go to the file system as the
// engine orders them, so a killed process (not a machine crash) leaves a
// database that opens; syncing a throwaway directory only made the load wait
// on the disk.
import { FsStorage } from "../storage/fs-storage.js";
import { nodeOps } from "../storage/node.js";

const unsynced = {
  ...nodeOps,
  open: async (path: string, how: "read" | "write" | "create") => ({ ...(await nodeOps.open(path, how)), sync: async () => undefined }),
  syncDir: async () => undefined,
};

export class ScratchStorage extends FsStorage {
  static async open(dir: string): Promise<ScratchStorage> {
    return new ScratchStorage(unsynced, await FsStorage.rootOf(unsynced, dir));
  }
}
