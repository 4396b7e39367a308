'use strict'
// The core's response rule through Node: every runnable shared merge- vector through
// applyResponse (the API) and over real HTTP through node:http (withCors, with the
// application's setHeader after the middleware, with writeHead headers and with an
// implicit head), Express and Fastify; all judged by the one judge (corsgate-judge).
// Plus the two cases issue 12 names, asserted directly per runtime.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const path = require('node:path')
const fs = require('node:fs')
const { execFileSync } = require('node:child_process')
const express = require('express')
const Fastify = require('fastify')
const { Policy, PolicySet } = require('../index.js')
const { applyResponse } = require('../binding.js') // internal: the middleware's response rule
const cors = require('../express.js')
const { withCors } = require('../http.js')
const corsgateFastify = require('../fastify.js')
const { rawRequest, listen, close } = require('./support/http-client.js')

const REPO = path.resolve(__dirname, '..', '..', '..')
const SHARED = process.env.CORSGATE_SHARED || path.join(REPO, '..', 'shared')
const KIND = { not_cors: 0, preflight: 1, actual: 2, refused: 3 }

/** The merge- vectors (a policy or a policy set). */
const MERGE = fs
  .readFileSync(path.join(SHARED, 'conformance', 'vectors-v2.jsonl'), 'utf8')
  .split('\n')
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l))
  .filter((v) => v.id.startsWith('merge-'))

function judgeBinary() {
  if (process.env.CORSGATE_JUDGE) return process.env.CORSGATE_JUDGE
  execFileSync('cargo', ['build', '-q', '-p', 'corsgate-conformance', '--bin', 'corsgate-judge'], { cwd: REPO, stdio: 'inherit' })
  return path.join(process.env.CARGO_TARGET_DIR || path.join(REPO, 'target'), 'debug', 'corsgate-judge')
}

/** Feeds observations to corsgate-judge; fails with every problem it reports. */
function judge(observations) {
  assert.ok(observations.length >= 18, `only ${observations.length} observations`)
  const input = observations.map((o) => JSON.stringify(o)).join('\n') + '\n'
  let out
  try {
    out = execFileSync(judgeBinary(), { input, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] })
  } catch (e) {
    out = e.stdout || ''
  }
  const answers = out.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l))
  const failed = answers.filter((a) => !a.ok)
  assert.equal(answers.length, observations.length)
  assert.deepEqual(failed, [])
}

const pairs = (flat) => {
  const out = []
  for (let i = 0; i < flat.length; i += 2) out.push([flat[i], flat[i + 1]])
  return out
}

test('merge- vectors through applyResponse, judged by corsgate-judge', () => {
  const observations = MERGE.map((v) => {
    const set = 'policies' in v.policy
    const d = set
      ? new PolicySet(v.policy).evaluate(v.request.method, v.request.headers, v.request.path ?? '/')
      : new Policy(v.policy).evaluate(v.request.method, v.request.headers)
    const final = applyResponse(KIND[d.kind], d.headers.flat(), v.request.app_headers.flat())
    const observed = { kind: d.kind, allowed: d.allowed, status: d.status, headers: d.headers, final_headers: pairs(final), reason_code: d.reasonCode ?? null }
    if (set) Object.assign(observed, { policy: d.policy, route: d.route })
    return { id: v.id, via: 'node-api', observed }
  })
  judge(observations)
})

test('applyResponse rejects malformed input', () => {
  assert.throws(() => applyResponse(9, [], []))
  assert.throws(() => applyResponse(2, ['Vary'], []))
  assert.throws(() => applyResponse(2, [], ['Vary']))
})

// The application of vector i answers with its app_headers, in four ways.
const appHeaders = (req) => MERGE[Number(req.url.split('/')[2])].request.app_headers
const STYLES = {
  // setHeader after the middleware, then an explicit writeHead.
  setHeader(req, res) {
    for (const [n, v] of appHeaders(req)) res.appendHeader(n, v)
    res.writeHead(200)
    res.end('app')
  },
  // Headers passed to writeHead (a flat array keeps repeated names).
  writeHeadArray(req, res) {
    res.writeHead(200, appHeaders(req).flat())
    res.end('app')
  },
  // An implicit head: res.end() without writeHead.
  implicit(req, res) {
    for (const [n, v] of appHeaders(req)) res.appendHeader(n, v)
    res.end('app')
  },
}

async function serveVectors(kind) {
  if (kind.startsWith('node-http-')) {
    const style = STYLES[kind.slice('node-http-'.length)]
    const handlers = MERGE.map((v) => withCors(v.policy, style))
    const server = http.createServer((req, res) => handlers[Number(req.url.split('/')[2])](req, res))
    return { port: await listen(server), stop: () => close(server) }
  }
  if (kind === 'express') {
    const app = express()
    MERGE.forEach((v, i) => {
      // Node's own header calls: Express's res.set() would add a charset to Content-Type.
      app.use(`/m/${i}`, cors(v.policy), (req, res) => {
        for (const [n, val] of v.request.app_headers) res.appendHeader(n, val)
        res.end('app')
      })
    })
    const server = http.createServer(app)
    return { port: await listen(server), stop: () => close(server) }
  }
  // Fastify: one instance per vector policy would be slow; one per vector path instead.
  const servers = []
  for (const v of MERGE) {
    const fastify = Fastify()
    await fastify.register(corsgateFastify, v.policy)
    fastify.all('/*', (request, reply) => {
      for (const [n, val] of v.request.app_headers) {
        const prev = reply.getHeader(n)
        reply.header(n, prev === undefined ? val : [].concat(prev, val))
      }
      // A Buffer: Fastify keeps the application's Content-Type as written.
      reply.send(Buffer.from('app'))
    })
    await fastify.listen({ port: 0, host: '127.0.0.1' })
    servers.push(fastify)
  }
  return { ports: servers.map((f) => f.server.address().port), stop: () => Promise.all(servers.map((f) => f.close())) }
}

const RUNTIMES = ['node-http-setHeader', 'node-http-writeHeadArray', 'node-http-implicit', 'express', 'fastify']

for (const runtime of RUNTIMES) {
  test(`merge- vectors over HTTP through ${runtime}, judged by corsgate-judge`, async () => {
    const srv = await serveVectors(runtime)
    try {
      const observations = []
      const responses = {}
      for (const [i, v] of MERGE.entries()) {
        const port = srv.ports ? srv.ports[i] : srv.port
        const r = await rawRequest(port, v.request.method, `/m/${i}/x`, v.request.headers)
        responses[v.id] = r
        observations.push({
          id: v.id,
          via: `${runtime}-http`,
          observed: { kind: null, allowed: null, status: ['preflight', 'refused'].includes(v.expect.kind) ? r.status : null, headers: r.headers, final_headers: r.headers },
        })
      }
      judge(observations)
      // Issue 12: the application's ACAO: * is gone for a denied origin ...
      const denied = responses['merge-app-acao-removed-when-denied']
      assert.deepEqual(denied.headers.filter(([n]) => n.toLowerCase() === 'access-control-allow-origin'), [])
      // ... and Vary: Origin is kept after the application set its own Vary.
      const vary = responses['merge-vary-appended'].headers
        .filter(([n]) => n.toLowerCase() === 'vary')
        .flatMap(([, val]) => val.split(',').map((t) => t.trim().toLowerCase()))
      assert.ok(vary.includes('origin') && vary.includes('accept-encoding'), JSON.stringify(vary))
    } finally {
      await srv.stop()
    }
  })
}
