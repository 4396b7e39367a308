'use strict'
// Where the Express middleware's fixed cost per request goes, beside the `cors` package
// and a bare ServerResponse, in one process: the same requests and response objects as
// bench.js ("actual, first origin" and "preflight, first origin": the cases where cors's
// origin list check exits at its first element). Best of 7, process CPU time, ns per call.
// Run after scripts/bench-node.sh built the addon: node benches/node/mw-parts.js
const path = require('node:path')
const http = require('node:http')
const NODE_DIR = process.env.NODE_DIR || path.join(__dirname, '..', '..', 'bindings', 'node')
const shared = require(path.join(NODE_DIR, 'lib/shared.js'))
const corsgate = require(path.join(NODE_DIR, 'express.js'))
const corsPkg = require(require.resolve('cors', { paths: [NODE_DIR] }))
const { ORIGINS, request } = require('./requests.js')
const OPTIONS = { origin: ORIGINS, methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'], allowedHeaders: ['content-type', 'x-request-id'] }
process.removeAllListeners('warning')
process.on('warning', () => {})
const ours = corsgate(OPTIONS)
const theirs = corsPkg(OPTIONS)
const policy = ours.policy
function nowNs() { const u = process.cpuUsage(); return (u.user + u.system) * 1000 }
const ROUNDS = +(process.env.ROUNDS || 7)
function time(fn) {
  let n = 1000
  for (;;) { const t0 = nowNs(); for (let i = 0; i < n; i++) fn(i); if ((nowNs() - t0) / 1e6 > 40) break; n *= 2 }
  let best = Infinity
  for (let r = 0; r < ROUNDS; r++) { const t0 = nowNs(); for (let i = 0; i < n; i++) fn(i); best = Math.min(best, (nowNs() - t0) / n) }
  return best
}
let CURRENT = null
class Res extends http.ServerResponse {
  constructor() { super(CURRENT) }
}
const acrm = (o) => [['Origin', o], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type']]
const CASES = [['actual, first origin', request('GET', [['Origin', ORIGINS[0]]])], ['preflight, first origin', request('OPTIONS', acrm(ORIGINS[0]))]]
const only = process.argv[2]
for (const [name, r] of CASES) {
  CURRENT = r
  const steps = [
    ['new Res + writeHead (no middleware)', () => { const res = new Res(); res.writeHead(200) }],
    ['cors package, whole', () => { const res = new Res(); theirs(r, res, () => res.writeHead(200)) }],
    ['corsgate, whole', () => { const res = new Res(); ours(r, res, () => res.writeHead(200)) }],
    ['decide(policy, req)', () => shared.decide(policy, r)],
    ['handleNode (no writeHead)', () => { const res = new Res(); shared.handleNode(policy, false, r, res, undefined) }],
  ]
  for (let k = 0; k < 3000; k++) for (const [, f] of steps) f()
  console.log(`## ${name}`)
  for (const [s, f] of steps) {
    if (only && !s.includes(only)) continue
    console.log(`  ${s.padEnd(40)} ${time(f).toFixed(0).padStart(6)} ns`)
  }
}
