# workerd configuration of the e2e Worker (scripts/test-e2e.sh bundles worker.js into
# build/e2e/workerd/worker.bundle.js and copies corsgate.wasm beside this file's copy).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:27204", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.bundle.js"),
    (name = "corsgate.wasm", wasm = embed "corsgate.wasm"),
  ],
  compatibilityDate = "2025-01-01",
);
