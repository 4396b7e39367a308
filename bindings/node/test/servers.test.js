'use strict'
// Real servers on 127.0.0.1 (ephemeral ports), hit over HTTP with a raw client: every
// shared vector (v1, and v2 but for the merge- ones, which merge.test.js runs) through
// the Express middleware, the node:http wrapper and the Fastify plugin (the latter
// swapping policies between requests: hot reload). corsgate-judge judges the responses;
// the tests check what only a middleware can get wrong (the app called for a preflight,
// bodies).
//
// Policy-set vectors (`set-`, `cop-set-`) go out with their own `Host` line (none at
// all, as HTTP/1.0, when the vector has none) to their own path; the server finds the
// vector by an `X-Corsgate-Vector` line (a name the core never reads). The selected
// policy and route come from the middleware's `onDecision` hook and are judged too.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const express = require('express')
const Fastify = require('fastify')
const cors = require('../express.js')
const { withCors } = require('../http.js')
const corsgateFastify = require('../fastify.js')
const { PolicySet } = require('../index.js')
const { wireSafe } = require('./support/vectors.js')
const { suiteVectors, observation, judgeAll, assertAllPassed, isSet, hostless } = require('./support/judge.js')
const { rawRequest, listen, close } = require('./support/http-client.js')

const vectors = suiteVectors('node-http')
const runnable = vectors.filter((v) => !v.expect.config_error)

/**
 * Sends the vector over HTTP and checks the answer: preflights and refusals must be
 * answered by the middleware (the app never sees them), other requests must reach the app.
 */
async function checkOverHttp(t, port, path, v, seen) {
  if (!wireSafe(v)) {
    t.skip('HTTP/1.1 strips leading/trailing whitespace from field values; checked through the API')
    return
  }
  const before = seen.count
  const set = isSet(v)
  let res
  if (set) {
    // The vector's own Host line and path; the vector is named by a line the core ignores.
    const lines = [...v.request.headers, ['X-Corsgate-Vector', String(runnable.indexOf(v))]]
    seen.selected = undefined
    res = await rawRequest(port, v.request.method, v.request.path ?? '/', lines, 5000, { hostless: hostless(v) })
  } else {
    res = await rawRequest(port, v.request.method, path, v.request.headers)
  }
  const observed = {
    kind: null,
    allowed: null,
    status: res.status,
    headers: res.headers,
    final_headers: res.headers,
  }
  if (set) {
    // What the middleware's onDecision hook saw for this request.
    assert.ok(seen.selected !== undefined, `${v.id}: onDecision saw the request`)
    Object.assign(observed, seen.selected)
  }
  seen.observations.push(observation(v.id, seen.via, observed))
  if (v.expect.kind === 'preflight' || v.expect.kind === 'refused') {
    assert.equal(seen.count, before, `${v.id}: a ${v.expect.kind} must not reach the app`)
    if (v.expect.kind === 'refused') {
      assert.equal(res.status, 403)
      assert.deepEqual(res.headers.filter(([n]) => n.toLowerCase() === 'vary'), [['Vary', 'Origin']])
    }
    const length = res.headers.find(([n]) => n.toLowerCase() === 'content-length')?.[1]
    assert.equal(length, res.status === 204 ? undefined : '0', `${v.id}: empty preflight body`)
    assert.equal(res.body, '')
  } else {
    assert.equal(seen.count, before + 1, `${v.id}: the request must reach the app`)
    assert.equal(res.status, 200)
    assert.equal(res.body, v.request.method === 'HEAD' ? '' : 'app')
  }
}

/** A fresh record of what one server saw: app calls, and the observations to judge. */
function newSeen(via) {
  const seen = { count: 0, via, observations: [], selected: undefined }
  // The observer hook of a policy set's middleware: the selected policy and route.
  seen.onDecision = (d) => {
    if (d.policy !== undefined) seen.selected = { policy: d.policy, route: d.route }
  }
  return seen
}

/** The vector a set request names (`X-Corsgate-Vector`), or undefined. */
const namedVector = (req) => {
  const i = req.headers['x-corsgate-vector']
  return i === undefined ? undefined : Number(i)
}

/** Judges everything `seen` collected: every sendable vector, and each one passed. */
function judgeSeen(seen) {
  assert.equal(seen.observations.length, runnable.filter(wireSafe).length, `${seen.via}: observations`)
  assertAllPassed(assert, judgeAll(seen.observations), seen.observations.length)
}

/** Serves `handler` on loopback and sends every runnable vector to `/v/<index>`. */
async function sendAll(t, prefix, handler, seen) {
  const server = http.createServer(handler)
  const port = await listen(server)
  try {
    for (const [i, v] of runnable.entries()) {
      await t.test(`${prefix}/${v.id}`, (st) => checkOverHttp(st, port, `/v/${i}`, v, seen))
    }
  } finally {
    await close(server)
  }
  judgeSeen(seen)
}

test('vectors over HTTP through the Express middleware', async (t) => {
  const app = express()
  const seen = newSeen('node-express')
  const handler = (req, res) => {
    seen.count++
    res.status(200).send('app')
  }
  // Set vectors: one middleware per vector, at the root (selection sees the full path).
  const setMw = new Map()
  runnable.forEach((v, i) => {
    if (isSet(v)) setMw.set(i, cors({ policy: v.policy, onDecision: seen.onDecision }))
  })
  app.use((req, res, next) => {
    const i = namedVector(req)
    if (i === undefined) return next()
    setMw.get(i)(req, res, () => handler(req, res))
  })
  runnable.forEach((v, i) => {
    if (!isSet(v)) app.use(`/v/${i}`, cors({ policy: v.policy }), handler)
  })
  await sendAll(t, 'express', app, seen)
})

test('vectors over HTTP through the node:http wrapper', async (t) => {
  const seen = newSeen('node-http')
  const app = (req, res) => {
    seen.count++
    res.statusCode = 200
    res.end('app')
  }
  const handlers = runnable.map((v) => withCors(v.policy, app, isSet(v) ? { onDecision: seen.onDecision } : {}))
  await sendAll(t, 'http', (req, res) => handlers[namedVector(req) ?? Number(req.url.split('/')[2])](req, res), seen)
})

test('vectors over HTTP through the Fastify plugin (policy swapped per vector)', async (t) => {
  const fastify = Fastify()
  const seen = newSeen('node-fastify')
  await fastify.register(corsgateFastify, { policy: { origins: ['https://placeholder.invalid'] }, onDecision: seen.onDecision })
  // Bodies are not the point here: a vector's Content-Type without a body must reach the
  // handler (Fastify's JSON parser would answer 400 to an empty application/json body).
  fastify.removeAllContentTypeParsers()
  fastify.addContentTypeParser('*', (req, payload, done) => done(null, null))
  // All methods the vectors use, on one route; OPTIONS preflights are answered by the hook.
  fastify.route({
    method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'],
    url: '/*',
    handler: async (req, reply) => {
      seen.count++
      reply.code(200).type('text/plain').send('app')
    },
  })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const port = fastify.server.address().port
  try {
    for (const v of runnable) {
      // A set document is compiled as a PolicySet (hot reload from a policy to a set and back).
      fastify.corsgate.setPolicy(v.policy)
      assert.equal(fastify.corsgate.policy instanceof PolicySet, isSet(v))
      await t.test(`fastify/${v.id}`, (st) => checkOverHttp(st, port, '/v', v, seen))
    }
  } finally {
    await fastify.close()
  }
  judgeSeen(seen)
})
