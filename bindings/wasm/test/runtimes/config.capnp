# workerd configuration of the test Worker (bundled into worker.bundle.js by esbuild;
# the .wasm and the vectors are modules). The socket's address comes from the driver
# (--socket-fd http=3: a listening socket on an ephemeral port).
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:0", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.bundle.js"),
    (name = "corsgate.wasm", wasm = embed "corsgate.wasm"),
    (name = "vectors.json", json = embed "vectors.json"),
  ],
  compatibilityDate = "2025-01-01",
);
