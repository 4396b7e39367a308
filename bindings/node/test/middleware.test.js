'use strict'
// Middleware behaviour over HTTP on loopback: Vary merging, hot reload, preflightContinue,
// Fastify's 404s and OPTIONS without a route, the node:http helpers.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const express = require('express')
const Fastify = require('fastify')
const { Policy } = require('../index.js')
const cors = require('../express.js')
const { withCors, applyCors } = require('../http.js')
const corsgateFastify = require('../fastify.js')
const { rawRequest, listen, close } = require('./support/http-client.js')

const POLICY = { origins: ['https://example.com', 'https://*.example.com'], methods: ['PUT'], credentials: true }
const PREFLIGHT = [['Origin', 'https://app.example.com'], ['Access-Control-Request-Method', 'PUT']]
const get = (res, name) =>
  res.headers
    .filter(([n]) => n.toLowerCase() === name.toLowerCase())
    .map(([, v]) => v)
    .join(', ') || null

async function withServer(handler, fn) {
  const server = http.createServer(handler)
  const port = await listen(server)
  try {
    await fn(port)
  } finally {
    await close(server)
  }
}

test('express: cors-style options over HTTP, Vary merged with the app', async () => {
  const app = express()
  app.use((req, res, next) => {
    res.setHeader('Vary', 'Accept-Encoding')
    next()
  })
  app.use(cors({ origin: ['https://example.com', /^https:\/\/[a-z]+\.example\.com$/], credentials: true, methods: 'PUT' }))
  let appCalls = 0
  app.all('/{*any}', (req, res) => {
    appCalls++
    res.send('app')
  })
  await withServer(app, async (port) => {
    const a = await rawRequest(port, 'GET', '/x', [['Origin', 'https://app.example.com']])
    assert.equal(a.status, 200)
    assert.equal(get(a, 'Access-Control-Allow-Origin'), 'https://app.example.com')
    assert.equal(get(a, 'Access-Control-Allow-Credentials'), 'true')
    assert.equal(get(a, 'Vary'), 'Accept-Encoding, Origin')
    const p = await rawRequest(port, 'OPTIONS', '/x', PREFLIGHT)
    assert.equal(p.status, 204)
    assert.equal(get(p, 'Access-Control-Allow-Methods'), 'PUT')
    // A preflight's final response is the decision's own headers (the app is not called).
    assert.match(get(p, 'Vary'), /^Origin, Access-Control-Request-Method/)
    const denied = await rawRequest(port, 'OPTIONS', '/x', [['Origin', 'https://evil.com'], ['Access-Control-Request-Method', 'PUT']])
    assert.equal(denied.status, 403)
    assert.equal(get(denied, 'Access-Control-Allow-Origin'), null)
    // A denied actual request still reaches the app (CORS is not access control).
    const evil = await rawRequest(port, 'GET', '/x', [['Origin', 'https://evil.com']])
    assert.equal(evil.status, 200)
    assert.equal(get(evil, 'Access-Control-Allow-Origin'), null)
    assert.equal(appCalls, 2)
  })
})

test('express: hot reload swaps the policy; an invalid one throws and keeps the old', async () => {
  const mw = cors({ policy: POLICY })
  const app = express()
  app.use(mw)
  app.use((req, res) => res.send('app'))
  await withServer(app, async (port) => {
    const origin = [['Origin', 'https://other.org']]
    assert.equal(get(await rawRequest(port, 'GET', '/', origin), 'Access-Control-Allow-Origin'), null)
    const before = mw.policy
    assert.throws(() => mw.setPolicy({ origins: ['https://*other.org'] }), (e) => e.code === 'invalid_wildcard')
    assert.equal(mw.policy, before)
    const next = mw.setPolicy(new Policy({ origins: ['https://other.org'] }))
    assert.equal(mw.policy, next)
    assert.equal(get(await rawRequest(port, 'GET', '/', origin), 'Access-Control-Allow-Origin'), 'https://other.org')
    mw.setPolicy(JSON.stringify({ origins: ['https://third.org'] }))
    assert.equal(get(await rawRequest(port, 'GET', '/', origin), 'Access-Control-Allow-Origin'), null)
  })
})

test('express: preflightContinue passes preflights on with their headers', async () => {
  const app = express()
  app.use(cors({ policy: POLICY, preflightContinue: true }))
  app.options('/{*any}', (req, res) => res.status(200).send('mine'))
  await withServer(app, async (port) => {
    const p = await rawRequest(port, 'OPTIONS', '/x', PREFLIGHT)
    assert.equal(p.status, 200)
    assert.equal(p.body, 'mine')
    assert.equal(get(p, 'Access-Control-Allow-Origin'), 'https://app.example.com')
  })
  assert.throws(() => cors({ policy: POLICY, origin: 'x' }), (e) => e.code === 'ERR_CORSGATE_UNSUPPORTED_OPTION')
})

test('node:http: withCors answers preflights and wraps the handler; applyCors', async () => {
  let calls = 0
  const handler = withCors(POLICY, (req, res) => {
    calls++
    res.end('app')
  })
  await withServer(handler, async (port) => {
    const p = await rawRequest(port, 'OPTIONS', '/', PREFLIGHT)
    assert.equal(p.status, 204)
    assert.equal(calls, 0)
    const a = await rawRequest(port, 'PUT', '/', [['Origin', 'https://example.com']])
    assert.equal(a.body, 'app')
    assert.equal(get(a, 'Access-Control-Allow-Origin'), 'https://example.com')
    assert.equal(calls, 1)
    handler.setPolicy({ origins: ['*'] })
    const star = await rawRequest(port, 'GET', '/', [])
    assert.equal(get(star, 'Access-Control-Allow-Origin'), '*')
  })
  assert.throws(() => withCors(POLICY), TypeError)
  const policy = new Policy({ ...POLICY, max_age: 60, preflight_status: 200 })
  await withServer(
    (req, res) => {
      if (applyCors(policy, req, res)) return
      res.end('app')
    },
    async (port) => {
      const p = await rawRequest(port, 'OPTIONS', '/', PREFLIGHT)
      assert.equal(p.status, 200)
      assert.equal(get(p, 'Content-Length'), '0')
      assert.equal(get(p, 'Access-Control-Max-Age'), '60')
      assert.equal(p.body, '')
    },
  )
})

test('node:http: split Access-Control-Request-Headers lines each get an answer', async () => {
  const handler = withCors({ origins: ['https://example.com'], methods: ['PUT'], request_headers: ['x-a', 'x-b'] }, (req, res) => res.end())
  await withServer(handler, async (port) => {
    const p = await rawRequest(port, 'OPTIONS', '/', [
      ['Origin', 'https://example.com'],
      ['Access-Control-Request-Method', 'PUT'],
      ['Access-Control-Request-Headers', 'x-a'],
      ['Access-Control-Request-Headers', 'x-b'],
    ])
    assert.equal(p.status, 204)
    const acah = p.headers.filter(([n]) => n.toLowerCase() === 'access-control-allow-headers').map(([, v]) => v)
    assert.deepEqual(acah.flatMap((v) => v.split(',').map((s) => s.trim())).sort(), ['x-a', 'x-b'])
  })
})

test('fastify: preflights without an OPTIONS route, 404s, options and hot reload', async () => {
  const fastify = Fastify()
  await fastify.register(corsgateFastify, { policy: POLICY })
  fastify.get('/items', async (req, reply) => {
    reply.header('vary', 'Accept-Encoding')
    return { ok: true }
  })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const port = fastify.server.address().port
  try {
    const p = await rawRequest(port, 'OPTIONS', '/items', PREFLIGHT)
    assert.equal(p.status, 204)
    assert.equal(get(p, 'Access-Control-Allow-Origin'), 'https://app.example.com')
    assert.equal(get(p, 'Access-Control-Allow-Credentials'), 'true')
    const a = await rawRequest(port, 'GET', '/items', [['Origin', 'https://example.com']])
    assert.equal(a.status, 200)
    assert.equal(get(a, 'Access-Control-Allow-Origin'), 'https://example.com')
    assert.equal(get(a, 'Vary'), 'Accept-Encoding, Origin')
    const missing = await rawRequest(port, 'GET', '/nope', [['Origin', 'https://example.com']])
    assert.equal(missing.status, 404)
    assert.equal(get(missing, 'Access-Control-Allow-Origin'), 'https://example.com')
    const denied = await rawRequest(port, 'OPTIONS', '/items', [['Origin', 'https://evil.com'], ['Access-Control-Request-Method', 'PUT']])
    assert.equal(denied.status, 403)
    assert.throws(() => fastify.corsgate.setPolicy({ origins: [] }), (e) => e.code === 'empty_origins')
    fastify.corsgate.setPolicy({ origins: ['https://evil.com'], methods: ['PUT'] })
    const now = await rawRequest(port, 'OPTIONS', '/items', [['Origin', 'https://evil.com'], ['Access-Control-Request-Method', 'PUT']])
    assert.equal(now.status, 204)
  } finally {
    await fastify.close()
  }
})

test('fastify: cors-style options, and a bad policy fails registration', async () => {
  const fastify = Fastify()
  await fastify.register(corsgateFastify, { origin: /^https:\/\/[a-z]+\.example\.com$/, preflightContinue: true, methods: ['PUT'] })
  fastify.options('/x', async () => 'mine')
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  try {
    const p = await rawRequest(fastify.server.address().port, 'OPTIONS', '/x', PREFLIGHT)
    assert.equal(p.status, 200)
    assert.equal(p.body, 'mine')
    assert.equal(get(p, 'Access-Control-Allow-Origin'), 'https://app.example.com')
  } finally {
    await fastify.close()
  }
  const bad = Fastify()
  await assert.rejects(
    async () => {
      await bad.register(corsgateFastify, { origins: ['https://*example.com'] })
      await bad.ready()
    },
    (e) => e.code === 'invalid_wildcard',
  )
  await bad.close()
})
