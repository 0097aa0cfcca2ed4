# workerd serve examples/workerd/config.capnp [--socket-addr http=127.0.0.1:PORT]
# (after `npm run build:package`, which writes dist/workerd.js, core.wasm and libzstd.wasm)
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [(name = "main", worker = .sstables)],
  sockets = [(name = "http", address = "127.0.0.1:8787", http = (), service = "main")],
);

const sstables :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "../wrangler/src/worker.js"), # the one worker, served by workerd here and by wrangler there
    (name = "cqlite-web", esModule = embed "../../dist/workerd.js"),
    (name = "core.wasm", wasm = embed "../../dist/core.wasm"),
    (name = "libzstd.wasm", wasm = embed "../../dist/libzstd.wasm"), # Zstd chunks as Cassandra writes them
  ],
  compatibilityDate = "2025-09-01",
);
