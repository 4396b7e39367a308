// Per-call cost of `evaluate` in Node: @corsgate/wasm vs the napi addon (`corsgate`),
// the same 1,000-origin policy and requests, in the same process.
// Run: bash scripts/bench-wasm.sh evaluate [--quick]
//
// Each case first checks both give the same decision, then times a loop; each number is
// the best of several rounds, in ns per call (this process's CPU time).
import { createRequire } from 'node:module'
import assert from 'node:assert/strict'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..')
const require = createRequire(import.meta.url)
const napi = require(join(REPO, 'bindings', 'node', 'index.js'))
const wasm = await import(join(REPO, 'bindings', 'wasm', 'index.js'))
const { decide } = await import(join(REPO, 'bindings', 'wasm', 'fetch.js'))

const QUICK = process.argv.includes('--quick')
const ROUNDS = QUICK ? 3 : 7
const TARGET_MS = QUICK ? 60 : 250

const ORIGINS = Array.from({ length: 1000 }, (_, i) => `https://app-${i}.tenant-${i % 97}.example.com`)
const CONFIG = { origins: ORIGINS, methods: ['PUT', 'PATCH', 'DELETE'], request_headers: ['content-type', 'x-request-id'] }
const N = new napi.Policy(CONFIG)
const W = new wasm.Policy(CONFIG)

const nowNs = () => {
  const u = process.cpuUsage()
  return (u.user + u.system) * 1000
}
function time(fn) {
  let n = 1000
  for (;;) {
    const t0 = nowNs()
    for (let i = 0; i < n; i++) fn(i)
    if ((nowNs() - t0) / 1e6 > TARGET_MS / 4) break
    n *= 2
  }
  let best = Infinity
  for (let r = 0; r < ROUNDS; r++) {
    const t0 = nowNs()
    for (let i = 0; i < n; i++) fn(i)
    best = Math.min(best, (nowNs() - t0) / n)
  }
  return best
}

const CASES = [
  ['actual GET, allowed (middle of 1,000)', 'GET', [['Origin', ORIGINS[500]], ['Accept', '*/*']]],
  ['actual GET, denied', 'GET', [['Origin', 'https://app-1000.tenant-0.example.com.evil.net']]],
  ['preflight PUT + 2 headers, allowed', 'OPTIONS', [['Origin', ORIGINS[999]], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type, x-request-id']]],
  ['not CORS', 'GET', [['Accept', '*/*']]],
]

const rows = []
for (const [name, method, headers] of CASES) {
  assert.deepEqual(W.evaluate(method, headers), N.evaluate(method, headers), name)
  const a = time(() => N.evaluate(method, headers))
  const b = time(() => W.evaluate(method, headers))
  rows.push([`evaluate: ${name}`, a, b])
}
// The middleware forms: napi's decideCompact vs the Fetch middleware's decide() on a Request.
const request = new Request('https://api.example.com/x', { headers: { origin: ORIGINS[500], accept: '*/*' } })
assert.equal(decide(W, request).allowed, true)
rows.push(['middleware form: napi decideCompact vs wasm decide(Request)', time(() => N.decideCompact('GET', CASES[0][2])), time(() => decide(W, request))])
rows.push(['isOriginAllowed (middle of 1,000)', time(() => N.isOriginAllowed(ORIGINS[500])), time(() => W.isOriginAllowed(ORIGINS[500]))])

console.log(`node ${process.version}; ns per call, best of ${ROUNDS} rounds (CPU time)`)
console.log('| case | napi addon | wasm | wasm / napi |')
console.log('| --- | ---: | ---: | ---: |')
for (const [name, a, b] of rows) console.log(`| ${name} | ${a.toFixed(0)} | ${b.toFixed(0)} | ${(b / a).toFixed(2)}× |`)
