'use strict'
// Drop-in differentials over real HTTP: the same settings given to the anchor package
// (`cors` under Express, `@fastify/cors` under Fastify) and to corsgate, the shared
// requests of tests/dropin/requests.json sent to both servers (127.0.0.1, ephemeral
// ports), the browser's verdict on each answer from `corsgate-judge --verdict`. Every
// verdict difference must carry a tag that names a row of the README's migration
// table; CORS header differences are counted per header name (the table is printed).

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const express = require('express')
const Fastify = require('fastify')
const corsPkg = require('cors')
const fastifyCors = require('@fastify/cors')
const corsgate = require('../express.js')
const corsgateFastify = require('../fastify.js')
const { verdicts } = require('./support/judge.js')
const { rawRequest, listen, close } = require('./support/http-client.js')

const REQUESTS = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', '..', 'tests', 'dropin', 'requests.json'), 'utf8'))

const ORIGIN_RE = /^https:\/\/[a-z0-9]+\.example\.org$/
/** The dynamic-origin callback both sides get: the .example.org hosts and a dev server. */
function lookup(origin, cb) {
  setImmediate(() => cb(null, ORIGIN_RE.test(origin) || origin === 'http://localhost:3000'))
}

const SETTINGS = [
  { name: 'defaults', options: {} },
  {
    name: 'list+regex+credentials',
    options: {
      origin: ['https://app.example.com', ORIGIN_RE],
      credentials: true,
      exposedHeaders: ['X-Request-Id'],
      maxAge: 600,
    },
  },
  {
    name: 'one origin, listed methods and headers',
    options: { origin: 'https://app.example.com', methods: ['GET', 'PUT'], allowedHeaders: ['Content-Type', 'X-Token'] },
  },
  { name: 'origin fn+credentials', options: { origin: lookup, credentials: true, methods: ['GET', 'PUT', 'DELETE'] } },
  { name: 'origin true', options: { origin: true } },
]

function kindOf(r) {
  const has = (n) => r.headers.some(([k]) => k.toLowerCase() === n)
  if (!has('origin')) return 'not_cors'
  return r.method === 'OPTIONS' && has('access-control-request-method') ? 'preflight' : 'actual'
}

const corsHeader = (n) => /^access-control-|^vary$/i.test(n)

/** `name → value` of the CORS headers of a response (repeated lines joined). */
function corsHeaders(lines) {
  const out = new Map()
  for (const [n, v] of lines) {
    if (!corsHeader(n)) continue
    const k = n.toLowerCase()
    out.set(k, out.has(k) ? `${out.get(k)}, ${v}` : v)
  }
  return out
}

/**
 * Why corsgate's verdict may differ from the anchor's on `request` under `settings`:
 * the tag of the README migration-table row, or null (a difference must not happen).
 */
function explain(settings, request, ours, theirs) {
  const origin = request.headers.find(([n]) => n === 'Origin')?.[1]
  // cors / @fastify/cors with origin fn + credentials reflect an http:// origin: the
  // core refuses insecure origins with credentials (stricter).
  if (settings.options.credentials && origin?.startsWith('http://') && !ours && theirs) return 'insecure-origin-with-credentials'
  return null
}

async function serve(app) {
  return listen(app)
}

/** Runs every request against both servers; returns the tabulated differences. */
async function differential(label, ourPort, theirPort, settings) {
  const credentials = settings.options.credentials === true
  const exchanges = []
  const headerDiffs = new Map()
  for (const r of REQUESTS) {
    const [a, b] = [await rawRequest(ourPort, r.method, '/', r.headers), await rawRequest(theirPort, r.method, '/', r.headers)]
    const kind = kindOf(r)
    exchanges.push({ credentials, request: r.headers, kind, status: a.status, headers: a.headers })
    exchanges.push({ credentials, request: r.headers, kind, status: b.status, headers: b.headers })
    const [ha, hb] = [corsHeaders(a.headers), corsHeaders(b.headers)]
    for (const k of new Set([...ha.keys(), ...hb.keys()])) {
      if (ha.get(k) !== hb.get(k)) headerDiffs.set(k, (headerDiffs.get(k) ?? 0) + 1)
    }
  }
  const v = verdicts(exchanges)
  const rows = { requests: REQUESTS.length, verdictDiffs: 0, explained: {}, unexplained: [], headerDiffs }
  for (let i = 0; i < REQUESTS.length; i++) {
    const [ours, theirs] = [v[2 * i].allowed, v[2 * i + 1].allowed]
    if (ours === theirs) continue
    rows.verdictDiffs++
    const tag = explain(settings, REQUESTS[i], ours, theirs)
    if (tag === null) rows.unexplained.push(`${JSON.stringify(REQUESTS[i])}: corsgate ${v[2 * i].why} / anchor ${v[2 * i + 1].why}`)
    else rows.explained[tag] = (rows.explained[tag] ?? 0) + 1
  }
  console.log(
    `dropin ${label} [${settings.name}]: ${rows.requests} requests, ${rows.verdictDiffs} verdict differences (explained ${JSON.stringify(rows.explained)}), header differences ${JSON.stringify(Object.fromEntries(headerDiffs))}`,
  )
  return rows
}

function app(mw) {
  const a = express()
  a.use(mw)
  a.all('/', (req, res) => res.send('app'))
  return require('node:http').createServer(a)
}

for (const settings of SETTINGS) {
  test(`cors vs corsgate/express over HTTP [${settings.name}]`, async () => {
    const ours = app(corsgate(settings.options))
    const theirs = app(corsPkg(settings.options))
    const [p1, p2] = [await serve(ours), await serve(theirs)]
    try {
      const rows = await differential('cors', p1, p2, settings)
      assert.deepEqual(rows.unexplained, [])
    } finally {
      await close(ours)
      await close(theirs)
    }
  })

  test(`@fastify/cors vs corsgate/fastify over HTTP [${settings.name}]`, async () => {
    const make = async (plugin) => {
      const f = Fastify()
      await f.register(plugin, settings.options)
      f.route({ method: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'PATCH'], url: '/', handler: async () => 'app', exposeHeadRoute: false })
      await f.listen({ port: 0, host: '127.0.0.1' })
      return f
    }
    const [ours, theirs] = [await make(corsgateFastify), await make(fastifyCors)]
    try {
      const rows = await differential('@fastify/cors', ours.server.address().port, theirs.server.address().port, settings)
      assert.deepEqual(rows.unexplained, [])
    } finally {
      await ours.close()
      await theirs.close()
    }
  })
}

test('compatibility: the default allowed headers echo Authorization, as cors and @fastify/cors do', async () => {
  for (const make of [
    () => app(corsgate({ origin: 'https://app.example.com' })),
    async () => {
      const f = Fastify()
      await f.register(corsgateFastify, { origin: 'https://app.example.com' })
      f.get('/', async () => 'app')
      await f.ready()
      return f.server
    },
  ]) {
    const server = await make()
    const port = await serve(server)
    try {
      const r = await rawRequest(port, 'OPTIONS', '/', [
        ['Origin', 'https://app.example.com'],
        ['Access-Control-Request-Method', 'POST'],
        ['Access-Control-Request-Headers', 'authorization, content-type'],
      ])
      assert.equal(r.status, 204)
      assert.equal(corsHeaders(r.headers).get('access-control-allow-headers'), 'authorization, content-type')
    } finally {
      await close(server)
    }
  }
})

test('corsgate/fastify uses @fastify/cors 11 default methods (GET, HEAD, POST)', async () => {
  const f = Fastify()
  await f.register(corsgateFastify, {})
  f.get('/', async () => 'app')
  await f.ready()
  const port = await serve(f.server)
  try {
    for (const [m, status] of [['PUT', 403], ['DELETE', 403], ['PATCH', 403], ['POST', 204]]) {
      const r = await rawRequest(port, 'OPTIONS', '/', [['Origin', 'https://a.example'], ['Access-Control-Request-Method', m]])
      assert.equal(r.status, status, m)
    }
  } finally {
    await close(f.server)
  }
})

test('@fastify/cors options: cacheControl, hook, strictPreflight, hideOptionsRoute accepted; delegator refused', async () => {
  const f = Fastify()
  await f.register(corsgateFastify, {
    origin: 'https://a.example',
    cacheControl: 300,
    hook: 'preHandler',
    strictPreflight: true,
    hideOptionsRoute: true,
    logLevel: 'warn',
  })
  f.get('/', async () => 'app')
  await f.ready()
  const port = await serve(f.server)
  try {
    const r = await rawRequest(port, 'OPTIONS', '/', [['Origin', 'https://a.example'], ['Access-Control-Request-Method', 'POST']])
    assert.equal(r.status, 204)
    assert.equal(r.headers.find(([n]) => n.toLowerCase() === 'cache-control')?.[1], 'max-age=300')
    assert.equal(corsHeaders(r.headers).get('access-control-allow-origin'), 'https://a.example')
    const g = await rawRequest(port, 'GET', '/', [['Origin', 'https://a.example']])
    assert.equal(g.status, 200)
    assert.equal(g.headers.find(([n]) => n.toLowerCase() === 'cache-control'), undefined)
  } finally {
    await close(f.server)
  }
  for (const [opts, option, msg] of [
    [{ delegator: (req, cb) => cb(null, {}) }, 'delegator', /origin: \(origin, cb\)/],
    [{ hook: 'preSerialization' }, 'hook', /never for a preflight/],
    [{ hook: 'onSend' }, 'hook', /one of/],
    [{ strictPreflight: 'yes' }, 'strictPreflight', /boolean/],
    [{ origin: true, credentials: true }, 'origin', /reflects every origin/],
  ]) {
    const g = Fastify()
    await assert.rejects(
      async () => {
        await g.register(corsgateFastify, opts)
        await g.ready()
      },
      (e) => e.code === 'ERR_CORSGATE_UNSUPPORTED_OPTION' && e.option === option && msg.test(e.message),
      option,
    )
  }
})

test('dynamic origins: consulted only on a deny, cached with a bound and a TTL', async (t) => {
  // The cache's clock (Date.now) only moves when the test says so: the 50 ms TTL holds
  // however slowly a loaded machine serves the requests.
  t.mock.timers.enable({ apis: ['Date'], now: Date.now() })
  const asked = []
  const dyn = corsgate({
    origin: (origin, cb) => {
      asked.push(origin)
      cb(null, origin.endsWith('.example.org'))
    },
    originCache: { max: 2, ttlMs: 50 },
  })
  const server = app(dyn)
  const port = await serve(server)
  const get = (o) => rawRequest(port, 'GET', '/', [['Origin', o]])
  const acao = (r) => corsHeaders(r.headers).get('access-control-allow-origin')
  try {
    assert.equal(acao(await get('https://a.example.org')), 'https://a.example.org')
    assert.equal(acao(await get('https://a.example.org')), 'https://a.example.org')
    assert.equal(acao(await get('https://evil.example.net')), undefined)
    assert.equal(acao(await get('https://evil.example.net')), undefined)
    assert.deepEqual(asked, ['https://a.example.org', 'https://evil.example.net'], 'one call per origin within the TTL')
    await get('https://b.example.org') // a third origin: the oldest entry is dropped (max 2)
    await get('https://a.example.org')
    assert.equal(asked.filter((o) => o === 'https://a.example.org').length, 2, 'evicted, asked again')
    t.mock.timers.tick(80)
    await get('https://b.example.org')
    assert.equal(asked.filter((o) => o === 'https://b.example.org').length, 2, 'expired, asked again')
    // The decision is the core's: a "yes" never allows a method the policy does not.
    const pf = await rawRequest(port, 'OPTIONS', '/', [['Origin', 'https://c.example.org'], ['Access-Control-Request-Method', 'PROPFIND']])
    assert.equal(pf.status, 403)
    // A callback error goes to next(err).
    const failing = app(corsgate({ origin: (o, cb) => cb(new Error('db down')) }))
    const p2 = await serve(failing)
    const r = await rawRequest(p2, 'GET', '/', [['Origin', 'https://x.example']])
    assert.equal(r.status, 500)
    await close(failing)
    // Promise answers too; a non-boolean answer is an error.
    const promised = app(corsgate({ origin: async (o) => o === 'https://p.example' }))
    const p3 = await serve(promised)
    assert.equal(acao(await rawRequest(p3, 'GET', '/', [['Origin', 'https://p.example']])), 'https://p.example')
    await close(promised)
  } finally {
    await close(server)
  }
})
