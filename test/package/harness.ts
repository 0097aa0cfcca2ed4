// What the package tests need to act as a user outside this repository:
// an environment with nothing of the repo in it, commands run in the app's
// directory, servers started and stopped by their own process id, and the
// rows of a returned zip read back with this repo's reader.
import { spawn, execFile, ChildProcess } from "node:child_process";
import { createServer } from "node:net";
import { resolve, delimiter } from "node:path";
import { unzipSync } from "fflate";
import { openImports } from "../../src/export/import.js";
import { parseTable } from "../../src/cql/ddl.js";
import { materialize, CqlRow } from "../../src/read/materialize.js";

export const REPO = resolve(".");

/**
 * The environment of a user's shell: no npm_* variables from `npm test`
 * (npm_config_local_prefix would make npm install into the repo), no
 * NODE_PATH or NODE_OPTIONS, and no PATH entry inside the repository.
 */
export function userEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || ["NODE_PATH", "NODE_OPTIONS", "INIT_CWD", "VITEST", "VITEST_MODE", "VITEST_POOL_ID", "VITEST_WORKER_ID", "TEST"].includes(k)) continue;
    env[k] = v;
  }
  env.PATH = (process.env.PATH ?? "").split(delimiter).filter((p) => p && !resolve(p).startsWith(REPO)).join(delimiter);
  return env;
}

/** Runs a command to completion in `cwd`; rejects with its output when it fails. */
export function sh(cmd: string, args: string[], cwd: string, timeoutMs = 240_000): Promise<{ stdout: string; stderr: string }> {
  return new Promise((res, rej) => {
    execFile(cmd, args, { cwd, env: userEnv(), timeout: timeoutMs, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      if (err) rej(new Error(`${cmd} ${args.join(" ")} (in ${cwd}) failed: ${err.message}\n${stdout}\n${stderr}`));
      else res({ stdout, stderr });
    });
  });
}

/** Like sh, but resolves with the exit code whatever it is. */
export function shCode(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((res) => {
    execFile(cmd, args, { cwd, env: { ...userEnv(), ...env }, timeout: 170_000, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      res({ code: err ? (typeof err.code === "number" ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

export function freePort(): Promise<number> {
  return new Promise((res) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => res(p));
    });
  });
}

export interface Server {
  child: ChildProcess;
  log(): string;
  stop(): Promise<void>;
}

/**
 * Starts a server in a process group of its own and waits until `url`
 * answers (any status); stop() ends that group by its id (wrangler runs
 * workerd as a child of its own).
 */
export async function serve(cmd: string, args: string[], cwd: string, url: string, timeoutMs = 60_000, env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(cmd, args, { cwd, env: { ...userEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"], detached: true });
  let log = "";
  child.stdout!.on("data", (d) => (log += d));
  child.stderr!.on("data", (d) => (log += d));
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    const group = (signal: NodeJS.Signals) => {
      try {
        process.kill(-child.pid!, signal);
      } catch {
        // already gone
      }
    };
    group("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
    group("SIGKILL");
  };
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (child.exitCode !== null) break;
    try {
      await fetch(url);
      return { child, log: () => log, stop };
    } catch {
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  await stop();
  throw new Error(`${cmd} ${args.join(" ")} did not answer at ${url}:\n${log}`);
}

/** Every row of every SSTable in a zip (an export's layout), read with this repo's reader. */
export async function zipRows(schemaCql: string, zip: Uint8Array): Promise<{ files: string[]; rows: CqlRow[] }> {
  const schema = parseTable(schemaCql);
  const rows: CqlRow[] = [];
  for (const imp of await openImports(schema, zip)) for await (const p of imp.reader.scan()) rows.push(...materialize(schema, p));
  return { files: Object.keys(unzipSync(zip)).sort(), rows };
}

/** A static file server over `root` on 127.0.0.1 (in this process), optionally answering CORS like a CDN. */
export async function staticServer(root: string, cors: boolean): Promise<{ origin: string; close(): Promise<void> }> {
  const { createServer: createHttp } = await import("node:http");
  const { readFile } = await import("node:fs/promises");
  const { extname, normalize, join } = await import("node:path");
  const types: Record<string, string> = { ".html": "text/html", ".js": "text/javascript", ".mjs": "text/javascript", ".wasm": "application/wasm", ".json": "application/json" };
  const server = createHttp(async (req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url!, "http://x").pathname)).replace(/^(\.\.[/\\])+/, "");
    const headers: Record<string, string> = cors ? { "access-control-allow-origin": "*" } : {};
    try {
      const body = await readFile(join(root, path));
      res.writeHead(200, { ...headers, "content-type": types[extname(path)] ?? "application/octet-stream" });
      res.end(body);
    } catch {
      res.writeHead(404, headers);
      res.end("not found");
    }
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const port = (server.address() as { port: number }).port;
  return { origin: `http://127.0.0.1:${port}`, close: () => new Promise<void>((r) => server.close(() => r())) };
}
