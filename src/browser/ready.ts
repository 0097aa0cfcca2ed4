// The worker's first message, sent once its module has run: the page knows
// the script loaded (a failed load fires an error event instead).
export const READY = "__cqliteReady";
