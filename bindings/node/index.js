'use strict'
// The package's public entry: exactly the documented API, as declared in index.d.ts
// (generated from src/lib.rs plus types.d.ts). The addon's internal helpers (the
// middleware's `decide`, `decideCompact`, `headerNames`) stay on the generated loader
// `binding.js`, which package.json's "exports" map does not expose.

const fs = require('node:fs')
const binding = require('./binding.js')
require('./lib/evaluate.js') // installs the fast Policy.prototype.evaluate

/**
 * Reads a policy file that holds a policy or a policy set and compiles it: a
 * `PolicySet` when the document has a top-level `policies` key (the core's rule), else
 * a `Policy`. The file is read once (a hot reload never mixes two versions); a file
 * that cannot be read throws Node's fs error (`ENOENT`, …), an invalid document the
 * core's config error.
 */
function loadFile(path) {
  const bytes = fs.readFileSync(path)
  return binding.isPolicySet(bytes) ? new binding.PolicySet(bytes) : new binding.Policy(bytes)
}

module.exports = {
  Policy: binding.Policy,
  PolicySet: binding.PolicySet,
  loadFile,
  requestHeaderNames: binding.requestHeaderNames,
  version: binding.version,
  __napiBindingTarget: binding.__napiBindingTarget,
}
