'use strict'
// One case in a plain loop, for instruction counts (callgrind): N calls after a fixed
// warm-up of 50,000, so that (run with N) - (run with 0) is N calls' cost. Same policy and
// requests as bench.js. Cases: ioa (isOriginAllowed, listed, rotating), a-l / a-u (evaluate,
// actual, listed / not listed origin), p-l (evaluate, preflight, listed origin).
//
//   for n in 0 20000; do valgrind --tool=callgrind --callgrind-out-file=cg.p-l.$n \
//     node --single-threaded benches/node/loop.js p-l $n; done
//
// (`--single-threaded`: no background JIT thread, so two runs compile alike.)
// NODE_DIR=<another checkout's bindings/node> runs that build.
const path = require('node:path')
const NODE_DIR = process.env.NODE_DIR || path.join(__dirname, '..', '..', 'bindings', 'node')
const { Policy } = require(path.join(NODE_DIR, 'index.js'))
const { request, ORIGINS } = require('./requests.js')

const EVIL = 'https://app-1000.tenant-0.example.com.evil.net'
const policy = new Policy({ origins: ORIGINS, methods: ['PUT', 'PATCH', 'DELETE'], request_headers: ['content-type', 'x-request-id'] })
const acrm = (o) => [['Origin', o], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type']]
const REQUESTS = { 'a-l': request('GET', [['Origin', ORIGINS[0]]]), 'a-u': request('GET', [['Origin', EVIL]]), 'p-l': request('OPTIONS', acrm(ORIGINS[0])) }
const [which, count] = [process.argv[2], Number(process.argv[3])]
if (which !== 'ioa' && !(which in REQUESTS)) throw new Error(`unknown case ${which}: ioa, a-l, a-u or p-l`)
const r = REQUESTS[which]
const f = which === 'ioa' ? (i) => policy.isOriginAllowed(ORIGINS[i % 1000]) : () => policy.evaluate(r.method, r.rawHeaders)
let x = 0
for (let i = 0; i < 50000; i++) if (f(i)) x++
for (let i = 0; i < count; i++) if (f(i)) x++
if (x < 0) console.log(x)
