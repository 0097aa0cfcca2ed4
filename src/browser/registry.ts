// The databases open in this page, by name, on a global every copy of the
// package shares (an app's bundle and the Playwright helpers' own copy are two
// module instances): cqlite-web/testing reads and seeds through the app's open
// handle instead of waiting for a lock the app holds.
export const REGISTRY = Symbol.for("cqlite-web.open-databases");

interface Closable {
  close(): Promise<void>;
}

export function openDatabases<T extends Closable>(): Map<string, T> {
  const g = globalThis as unknown as { [REGISTRY]?: Map<string, T> };
  return (g[REGISTRY] ??= new Map());
}
