// The engine's dedicated worker: it alone holds the OPFS files (sync access
// handles exist only in dedicated workers) and serves the page over comlink.
import { expose } from "comlink";
import { EngineHost, guarded } from "./host.js";
import { READY } from "./ready.js";

expose(guarded(new EngineHost()));
postMessage({ [READY]: true });
