'use strict'
// The middleware with and without its former per-policy memo, in one process:
//   git show 863d65e:bindings/node/lib/shared.js > bindings/node/lib/shared-memo.tmp.js
//   node benches/node/memo-compare.js bindings/node/lib/shared-memo.tmp.js
// (863d65e: the last main commit with the memo). Both sides run the same minimal node:http
// middleware (handleNode, then the application writes the head) over the same addon and
// policy; CPU time per request, best of 7 rounds, two passes each; then `decide` alone.

const path = require('node:path')
const http = require('node:http')
const assert = require('node:assert/strict')
const NODE_DIR = path.join(__dirname, '..', '..', 'bindings', 'node')
const oldFile = process.argv[2]
if (!oldFile) throw new Error('usage: node benches/node/memo-compare.js <old lib/shared.js copy inside bindings/node/lib>')
const before = require(path.resolve(oldFile))
const after = require(path.join(NODE_DIR, 'lib', 'shared.js'))
const { Policy } = require(path.join(NODE_DIR, 'index.js'))

const { ORIGINS, request } = require('./requests.js')
const policy = new Policy({ origins: ORIGINS, methods: ['PUT', 'PATCH', 'DELETE'], request_headers: ['content-type', 'x-request-id'] })
let CURRENT = null
class Res extends http.ServerResponse {
  constructor() {
    super(CURRENT)
  }
}
const middleware = (shared) => (req, res, next) => {
  if (!shared.handleNode(policy, false, req, res)) next()
}
function serve(mw, r) {
  const res = new Res()
  mw(r, res, () => res.writeHead(200))
  return res
}
function time(fn) {
  let best = Infinity
  for (let r = 0; r < 7; r++) {
    const n = 20000
    const u0 = process.cpuUsage()
    for (let i = 0; i < n; i++) fn(i)
    const u = process.cpuUsage(u0)
    best = Math.min(best, ((u.user + u.system) * 1000) / n)
  }
  return best
}
const acrm = (o) => [['Origin', o], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type']]
const CASES = [
  ['actual, listed (same request)', [request('GET', [['Origin', ORIGINS[0]]])]],
  ['actual, not listed', [request('GET', [['Origin', 'https://app-1000.tenant-0.example.com.evil.net']])]],
  ['preflight, listed', [request('OPTIONS', acrm(ORIGINS[0]))]],
  ['no Origin', [request('GET', [])]],
  ['actual, 1,000 listed in turn', ORIGINS.map((o) => request('GET', [['Origin', o]]))],
  ['actual, 20,000 unlisted in turn', Array.from({ length: 20000 }, (_, i) => request('GET', [['Origin', `https://x${i}.unlisted.example`]]))],
]
const A = middleware(before)
const B = middleware(after)
console.log(`node ${process.version}, CPU time per request (middleware up to writeHead) and per decide`)
for (const [name, reqs] of CASES) {
  CURRENT = reqs[0]
  for (const r of reqs.slice(0, 20)) {
    assert.deepEqual(serve(A, r).getHeaders(), serve(B, r).getHeaders(), name)
    assert.deepEqual([...before.decide(policy, r)], [...after.decide(policy, r)], name)
  }
  const ta = Math.min(time((i) => serve(A, reqs[i % reqs.length])), time((i) => serve(A, reqs[i % reqs.length])))
  const tb = Math.min(time((i) => serve(B, reqs[i % reqs.length])), time((i) => serve(B, reqs[i % reqs.length])))
  const da = time((i) => before.decide(policy, reqs[i % reqs.length]))
  const db = time((i) => after.decide(policy, reqs[i % reqs.length]))
  console.log(`${name.padEnd(34)} memo ${ta.toFixed(0).padStart(6)} ns  no memo ${tb.toFixed(0).padStart(6)} ns   decide: memo ${da.toFixed(0).padStart(5)} ns  no memo ${db.toFixed(0).padStart(5)} ns`)
}
