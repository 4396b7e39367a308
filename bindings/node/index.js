'use strict'
// The package's public entry: exactly the documented API, as declared in index.d.ts
// (generated from src/lib.rs plus types.d.ts). The addon's internal helpers (the
// middleware's `decide`, `decideCompact`, `headerNames`) stay on the generated loader
// `binding.js`, which package.json's "exports" map does not expose.

const binding = require('./binding.js')

module.exports = {
  Policy: binding.Policy,
  requestHeaderNames: binding.requestHeaderNames,
  version: binding.version,
  __napiBindingTarget: binding.__napiBindingTarget,
}
