'use strict'
// Where Node's `policy.evaluate` spends, beside `isOriginAllowed` in the same process: the
// JavaScript selection of lines (`select`), the addon call (`decideInto`: the core's
// decision plus its numeric form) and building the Decision object (`toDecision`). Same
// policy and requests as bench.js; best of 7, process CPU time. Run after
// scripts/bench-node.sh built the addon: node benches/node/parts.js [listed|unlisted|preflight];
// NODE_DIR=<another checkout's bindings/node> times that build in the same conditions.
const path = require('node:path')
const NODE_DIR = process.env.NODE_DIR || path.join(__dirname, '..', '..', 'bindings', 'node')
const { Policy } = require(path.join(NODE_DIR, 'index.js'))
const ev = require(path.join(NODE_DIR, 'lib/evaluate.js'))
const native = require(path.join(NODE_DIR, 'binding.js'))
const ORIGINS = Array.from({ length: 1000 }, (_, i) => `https://app-${i}.tenant-${i % 97}.example.com`)
const EVIL = 'https://app-1000.tenant-0.example.com.evil.net'
const policy = new Policy({ origins: ORIGINS, methods: ['PUT', 'PATCH', 'DELETE'], request_headers: ['content-type', 'x-request-id'] })
function nowNs() { const u = process.cpuUsage(); return (u.user + u.system) * 1000 }
const ROUNDS = +(process.env.ROUNDS || 7)
function time(fn) {
  let n = 1000
  for (;;) { const t0 = nowNs(); for (let i = 0; i < n; i++) fn(i); if ((nowNs() - t0) / 1e6 > 60) break; n *= 2 }
  let best = Infinity
  for (let r = 0; r < ROUNDS; r++) { const t0 = nowNs(); for (let i = 0; i < n; i++) fn(i); best = Math.min(best, (nowNs() - t0) / n) }
  return best
}
function raw(extra) {
  return [['Host', 'api.example.com'], ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'], ['Accept', '*/*'], ['Accept-Encoding', 'gzip, deflate, br'], ['Accept-Language', 'en-US,en;q=0.9'], ...extra, ['Connection', 'keep-alive']].flat()
}
const acrm = (o) => [['Origin', o], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type']]
const CASES = [['listed', 'GET', raw([['Origin', ORIGINS[0]]])], ['unlisted', 'GET', raw([['Origin', EVIL]])], ['preflight', 'OPTIONS', raw(acrm(ORIGINS[0]))]]
const base = time((i) => policy.isOriginAllowed(ORIGINS[i % 1000]))
console.log(`isOriginAllowed listed ${base.toFixed(0)} ns; unlisted ${time(() => policy.isOriginAllowed(EVIL)).toFixed(0)}`)
const which = process.argv[2]
for (const [name, m, h] of CASES) {
  if (which && which !== name) continue
  // The per-policy state (src/registry.rs id, string cache, selection table); a build
  // from before it (NODE_DIR) takes the policy itself.
  const state = ev.stateOf ? ev.stateOf(policy) : policy
  const sel = ev.stateOf ? ev.select(m, h, state.table) : ev.select(m, h)
  const fresh = ev.decideInto(state, sel)
  const tEval = time(() => policy.evaluate(m, h))
  const tSel = time(() => (ev.stateOf ? ev.select(m, h, state.table) : ev.select(m, h)))
  const tInto = time(() => ev.decideInto(state, sel))
  ev.decideInto(state, sel)
  const tTo = time(() => ev.toDecision(state, sel, fresh))
  console.log(`${name.padEnd(10)} evaluate ${tEval.toFixed(0)} (${(tEval / base).toFixed(2)}x)  select ${tSel.toFixed(0)}  decideInto ${tInto.toFixed(0)}  toDecision ${tTo.toFixed(0)}  sel=${sel.length} fresh=${fresh === undefined ? 0 : fresh.length}`)
}
