// The browser entry: the engine in a dedicated worker, driven from the page.
export { openInWorker, BrowserEngine } from "./open.js";
export { listDatabases, destroyDatabase } from "./catalog.js";
export type { DatabaseInfo } from "./catalog.js";
export type { OpenInWorkerOptions, BrowserExport, OpenInfo, LsmState, WorkerEngineConfig } from "./open.js";
export { WorkerLoadError, CoreLoadError } from "./errors.js";
export { IdleMaintenance } from "./idle.js";
export type { IdleMaintenanceOptions } from "./idle.js";
export { CqliteError } from "../errors.js";
export { Decimal, Duration } from "../types/values.js";
