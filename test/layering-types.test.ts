// Per-layer type checking (tsconfig.core.json, .browser, .node, .edge; run by `npm
// run typecheck:layers` before `npm test`): shown here on snippets, so the
// check is known to bite. The platform-free code sees ES and the host APIs
// every runtime has (types/portable.d.ts), nothing of the DOM or Node.
import { describe, test, expect } from "vitest";
import ts from "typescript";
import { readFileSync, readdirSync } from "node:fs";

const LAYER_CONFIGS = ["core", "browser", "node", "edge"];
/** The one file no layer holds: the API reference of every runtime at once, checked by the root tsconfig. */
const ALL_RUNTIMES = "src/entry/all.ts";
const CORE_TYPES = ["types/portable.d.ts", "types/webassembly.d.ts"];
/** lib files parsed once for every snippet */
const parsed = new Map<string, ts.SourceFile | undefined>();

/** The diagnostics of `code` checked as a file of the platform-free layer. */
function coreErrors(code: string): string[] {
  const name = "/virtual/snippet.ts";
  const options: ts.CompilerOptions = { lib: ["lib.es2023.d.ts"], types: [], strict: true, noEmit: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext };
  const host = ts.createCompilerHost(options);
  const read = host.getSourceFile;
  host.getSourceFile = (f, lang, ...rest) => {
    if (f === name) return ts.createSourceFile(f, code, lang);
    if (!parsed.has(f)) parsed.set(f, read.call(host, f, lang, ...rest));
    return parsed.get(f);
  };
  const program = ts.createProgram([...CORE_TYPES, name], options, host);
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
}

describe("per-layer type checking", () => {
  test("the portable host APIs type-check in the platform-free layer", () => {
    expect(coreErrors("export const n = new TextEncoder().encode('x').length + performance.now(); export const b = new Blob([]).size;")).toEqual([]);
  });

  test("a DOM call fails there", () => {
    expect(coreErrors("export const t = document.title;").join()).toMatch(/Cannot find name 'document'/);
  });

  test("a Node call fails there", () => {
    expect(coreErrors("export const a = process.argv;").join()).toMatch(/Cannot find name 'process'/);
    expect(coreErrors("import { readFileSync } from 'node:fs'; export const f = readFileSync;").join()).toMatch(/Cannot find module 'node:fs'/);
  });

  test("the layer configs are what npm test runs", () => {
    const scripts = JSON.parse(readFileSync("package.json", "utf8")).scripts;
    for (const c of LAYER_CONFIGS) expect(scripts["typecheck:layers"]).toContain(`tsc -p tsconfig.${c}.json --noEmit`);
    expect(scripts.pretest).toContain("typecheck:layers");
  });

  test("every source file belongs to a layer config", () => {
    const roots = new Set<string>();
    for (const c of LAYER_CONFIGS) {
      const cfg = ts.getParsedCommandLineOfConfigFile(`tsconfig.${c}.json`, {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => { throw new Error(ts.flattenDiagnosticMessageText(d.messageText, "\n")); } });
      for (const f of cfg!.fileNames) roots.add(f.slice(process.cwd().length + 1));
    }
    const files = readdirSync("src", { recursive: true, encoding: "utf8" }).filter((p) => p.endsWith(".ts")).map((p) => `src/${p}`);
    expect(files.length).toBeGreaterThan(100);
    expect(files.filter((f) => !roots.has(f) && f !== ALL_RUNTIMES)).toEqual([]);
  });
});
