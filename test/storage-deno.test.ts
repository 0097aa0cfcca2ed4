// DenoFileStorage beyond the contract, on the Deno model (src/storage/deno-model.ts):
// the missing runtime, and lock liveness through Deno.kill(pid, 0).
import "./helpers.js";
import { describe, test, expect, afterEach } from "vitest";
import { mkdtemp, rm, writeFile, readFile } from "node:fs/promises";
import { spawn } from "node:child_process";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DenoFileStorage } from "../src/storage/deno.js";
import { denoModel } from "../src/storage/deno-model.js";
import { DatabaseLockedError, StorageUnavailableError } from "../src/storage/errors.js";

const g = globalThis as { Deno?: unknown };

async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""], { stdio: "ignore" });
  await new Promise<void>((resolve) => child.on("exit", () => resolve()));
  return child.pid!;
}

async function openWith(model: ReturnType<typeof denoModel>, dir: string): Promise<DenoFileStorage> {
  g.Deno = model;
  try {
    return await DenoFileStorage.open(dir);
  } finally {
    delete g.Deno;
  }
}

describe("DenoFileStorage on the Deno model", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });
  const tmp = async () => {
    const d = await mkdtemp(join(tmpdir(), "cqlite-deno-"));
    dirs.push(d);
    return d;
  };

  test("without the Deno runtime it says so", async () => {
    await expect(DenoFileStorage.open("/tmp/x")).rejects.toBeInstanceOf(StorageUnavailableError);
  });

  test("a lock of a dead pid is taken over; of a live one refused", async () => {
    const dir = await tmp();
    const s = await openWith(denoModel(), dir);
    await writeFile(join(dir, "LOCK"), `${await deadPid()}\n`);
    const release = await s.lock("LOCK");
    expect(await readFile(join(dir, "LOCK"), "utf8")).toBe(`${process.pid}\n`);
    await release();
    await writeFile(join(dir, "LOCK"), `${process.ppid}\n`); // our parent: alive
    await expect(s.lock("LOCK")).rejects.toBeInstanceOf(DatabaseLockedError);
  });

  test("a Deno that cannot test a pid (no signal 0, no --allow-run) never takes a lock over", async () => {
    const dir = await tmp();
    const model = denoModel();
    model.kill = () => {
      throw new TypeError("Invalid signal: 0");
    };
    const s = await openWith(model, dir);
    await writeFile(join(dir, "LOCK"), `${await deadPid()}\n`);
    await expect(s.lock("LOCK")).rejects.toBeInstanceOf(DatabaseLockedError);
  });
});
