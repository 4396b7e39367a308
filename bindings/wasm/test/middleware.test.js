// @corsgate/wasm/fetch and /hono in Node (Request/Response of Node 20): preflights
// answered without the app, the core's response rule on the app's Response (mutable
// and immutable headers), hono/cors option translation and refusals, CommonJS entries.
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Hono } from 'hono'
import { cors, withCors, decide } from '../fetch.js'
import { cors as honoCors, policyFromHonoOptions } from '../hono.js'
import { Policy, PolicySet } from '../index.js'

const require = createRequire(import.meta.url)
const POLICY = { origins: ['https://app.example.com'], methods: ['PUT'], expose_headers: ['x-id'], credentials: true }
const req = (method, headers) => new Request('http://api.test/x', { method, headers })
const never = () => {
  throw new Error('the app must not be called')
}

test('fetch: a preflight is answered by the middleware', async () => {
  const mw = cors(POLICY)
  const ok = await mw(req('OPTIONS', { origin: 'https://app.example.com', 'access-control-request-method': 'PUT' }), never)
  assert.equal(ok.status, 204)
  assert.equal(ok.headers.get('access-control-allow-origin'), 'https://app.example.com')
  assert.equal(ok.headers.get('access-control-allow-methods'), 'PUT')
  const no = await mw(req('OPTIONS', { origin: 'https://evil.test', 'access-control-request-method': 'PUT' }), never)
  assert.equal(no.status, 403)
  assert.equal(no.headers.get('access-control-allow-origin'), null)
})

test('fetch: the response rule on the app response, mutable and immutable headers', async () => {
  const mw = cors(POLICY)
  const app = async () =>
    new Response('hi', { headers: [['Access-Control-Allow-Origin', '*'], ['Vary', 'Accept-Encoding'], ['Set-Cookie', 'a=1'], ['Set-Cookie', 'b=2']] })
  const r = await mw(req('GET', { origin: 'https://app.example.com' }), app)
  assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example.com')
  assert.equal(r.headers.get('vary'), 'Accept-Encoding, Origin')
  assert.deepEqual(r.headers.getSetCookie(), ['a=1', 'b=2'])
  assert.equal(await r.text(), 'hi')
  const denied = await mw(req('GET', { origin: 'https://evil.test' }), app)
  assert.equal(denied.headers.get('access-control-allow-origin'), null, 'the app’s ACAO is removed when denied')
  const redirect = await mw(req('GET', { origin: 'https://app.example.com' }), async () => Response.redirect('http://api.test/y', 302))
  assert.equal(redirect.status, 302)
  assert.equal(redirect.headers.get('location'), 'http://api.test/y')
  assert.equal(redirect.headers.get('access-control-allow-credentials'), 'true')
})

test('fetch: withCors passes extra arguments; setPolicy swaps only valid policies', async () => {
  const h = withCors(POLICY, (request, env) => new Response(env.x))
  const r = await h(req('GET', { origin: 'https://app.example.com' }), { x: 'env' })
  assert.equal(await r.text(), 'env')
  assert.throws(() => h.setPolicy({ origins: ['*'], credentials: true }), (e) => e.code === 'any_origin_with_credentials')
  const r2 = await h(req('GET', { origin: 'https://app.example.com' }), { x: 'env' })
  assert.equal(r2.headers.get('access-control-allow-origin'), 'https://app.example.com')
  h.setPolicy(new Policy({ origins: ['*'] }))
  const r3 = await h(req('GET', { origin: 'https://app.example.com' }), { x: 'env' })
  assert.equal(r3.headers.get('access-control-allow-origin'), '*')
  assert.throws(() => withCors(POLICY), (e) => e.code === 'ERR_INVALID_ARG_TYPE')
})

test('hono: options translate to a policy; what cannot be honoured is refused at startup', () => {
  assert.deepEqual(policyFromHonoOptions({}), {
    origins: ['*'],
    methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'QUERY'],
    request_headers: ['*', 'authorization'],
  })
  assert.deepEqual(policyFromHonoOptions({ origin: 'https://a.test', allowHeaders: ['X-A'], exposeHeaders: ['X-B'], maxAge: 60, credentials: true }), {
    origins: ['https://a.test'],
    methods: ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'QUERY'],
    request_headers: ['X-A'],
    expose_headers: ['X-B'],
    max_age: 60,
    credentials: true,
  })
  const refused = (o) => assert.throws(() => honoCors(o), (e) => e.code === 'ERR_CORSGATE_UNSUPPORTED_OPTION' && /corsgate\/hono/.test(e.message), JSON.stringify(o))
  refused({ origin: () => 'https://a.test' })
  refused({ allowMethods: () => ['GET'] })
  refused({ origin: [1] })
  refused({ allowOrigin: '*' })
  // The core refuses what a browser would reject anyway, with its own codes.
  assert.throws(() => honoCors({ credentials: true }), (e) => e.code === 'any_origin_with_credentials')
  assert.throws(() => honoCors({ maxAge: 100000 }), (e) => e.code === 'max_age_too_large')
})

test('hono: the middleware in an app (app.request)', async () => {
  const app = new Hono()
  app.use('*', honoCors({ origin: ['https://app.example.com'], credentials: true }))
  app.get('/x', (c) => {
    c.header('Access-Control-Allow-Origin', '*')
    return c.text('ok')
  })
  app.get('/r', (c) => c.redirect('/y'))
  const r = await app.request('/x', { headers: { origin: 'https://app.example.com' } })
  assert.equal(r.headers.get('access-control-allow-origin'), 'https://app.example.com')
  assert.equal(r.headers.get('vary'), 'Origin')
  const pf = await app.request('/x', { method: 'OPTIONS', headers: { origin: 'https://app.example.com', 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization' } })
  assert.equal(pf.status, 204)
  assert.equal(pf.headers.get('access-control-allow-headers'), 'authorization')
  const denied = await app.request('/x', { headers: { origin: 'https://evil.test' } })
  assert.equal(denied.headers.get('access-control-allow-origin'), null)
  const red = await app.request('/r', { headers: { origin: 'https://app.example.com' } })
  assert.equal(red.status, 302)
  assert.equal(red.headers.get('access-control-allow-origin'), 'https://app.example.com')
})

test('CommonJS entries share one Policy class', () => {
  const { Policy: P } = require('../dist/index.cjs')
  const fetchCjs = require('../dist/fetch.cjs')
  const honoCjs = require('../dist/hono.cjs')
  const p = new P({ origins: ['*'] })
  assert.equal(fetchCjs.toPolicy(p), p)
  assert.equal(typeof honoCjs.cors, 'function')
})

// Cross-origin protection: a refused request (a cross-site form POST, a WebSocket
// upgrade from an untrusted page) is answered 403 with `Vary: Origin`; the app is not called.
const COP = { origins: ['https://app.example.com'], credentials: true, methods: ['PUT'], cross_origin_protection: true }
const COP_CASES = [
  // [method, headers, refused]
  ['POST', { host: 'api.test', origin: 'https://evil.test', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded' }, true],
  ['POST', { host: 'api.test', origin: 'https://evil.test' }, true],
  ['GET', { host: 'api.test', origin: 'https://evil.test', upgrade: 'websocket', connection: 'Upgrade' }, true],
  ['PUT', { host: 'api.test', origin: 'https://app.example.com', 'sec-fetch-site': 'cross-site' }, false],
  ['POST', { host: 'api.test', origin: 'http://api.test' }, false],
  ['POST', { host: 'api.test', origin: 'https://api.test', 'sec-fetch-site': 'same-origin' }, false],
  ['GET', { host: 'api.test', origin: 'https://app.example.com', upgrade: 'websocket', connection: 'Upgrade' }, false],
  ['GET', { host: 'api.test', origin: 'https://evil.test', 'sec-fetch-site': 'cross-site' }, false],
]

test('fetch and hono: cross-origin protection refuses without calling the app', async () => {
  const fetchMw = cors(COP)
  const hono = new Hono()
  const calls = []
  hono.use('*', honoCors({ policy: COP }))
  hono.all('*', (c) => {
    calls.push(c.req.method)
    c.header('x-app', '1')
    return c.text('written')
  })
  for (const [method, headers, refused] of COP_CASES) {
    for (const [via, run] of [
      ['fetch', (r) => fetchMw(r, async (rq) => { calls.push(rq.method); return new Response('written', { headers: { 'x-app': '1' } }) })],
      ['hono', (r) => hono.fetch(r)],
    ]) {
      const before = calls.length
      const res = await run(req(method, headers))
      const what = `${via} ${method} ${JSON.stringify(headers)}`
      if (refused) {
        assert.equal(res.status, 403, what)
        assert.deepEqual([...res.headers], [['vary', 'Origin']], what)
        assert.equal(await res.text(), '')
        assert.equal(calls.length, before, `${what}: the app was called`)
      } else {
        assert.equal(res.status, 200, what)
        assert.deepEqual(calls.slice(before), [method], what)
      }
    }
  }
  const d = new Policy(COP).evaluate('POST', [['Host', 'api.test'], ['Origin', 'https://evil.test']])
  assert.deepEqual([d.kind, d.allowed, d.status, d.headers, d.reasonCode], ['refused', false, 403, [['Vary', 'Origin']], 'cross_origin_request_refused'])
  assert.deepEqual(new Policy(COP).decideCompact('POST', [['Host', 'api.test'], ['Origin', 'https://evil.test']]), [3, false, 403, 'Vary', 'Origin'])
})

const SET = {
  policies: { acme: { origins: ['https://*.acme.com'], credentials: true }, partner: { origins: ['https://partner.io'] } },
  routes: [
    { host: 'api.acme.com', policy: 'acme' },
    { host: 'api.acme.com', path_prefix: '/partner/', policy: 'partner' },
  ],
}
const acaoOf = (r) => r.headers.get('access-control-allow-origin')
const app200 = async () => new Response('app')

test('fetch: a policy set selects by the URL host (no Host header) and pathname, not the query', async () => {
  const mw = cors(SET)
  assert.ok(mw.policy() instanceof PolicySet)
  const at = (url) => mw(new Request(url, { headers: { origin: 'https://partner.io' } }), app200)
  assert.equal(acaoOf(await at('https://api.acme.com/partner/x?q=1')), 'https://partner.io')
  assert.equal(acaoOf(await at('https://api.acme.com/x?next=/partner/')), null)
  // No route for this host: not CORS, Vary: Origin, the app's ACAO removed.
  const other = await mw(new Request('https://elsewhere.test/partner/x', { headers: { origin: 'https://partner.io' } }), async () =>
    new Response('app', { headers: { 'access-control-allow-origin': '*' } }),
  )
  assert.equal(acaoOf(other), null)
  assert.equal(other.headers.get('vary'), 'Origin')
})

test('fetch: hot reload of a set; an invalid set throws (every error by path) and the old one serves', async () => {
  const mw = cors(JSON.stringify(SET))
  const get = () => mw(new Request('https://api.acme.com/partner/x', { headers: { origin: 'https://new.example' } }), app200)
  assert.equal(acaoOf(await get()), null)
  assert.throws(
    () => mw.setPolicy({ ...SET, routes: [{ host: 'api..acme.com', policy: 'nobody' }] }),
    (e) => {
      assert.deepEqual(e.errors.map((d) => d.path), ['routes[0].host', 'routes[0].policy'])
      return true
    },
  )
  assert.equal(acaoOf(await get()), null)
  mw.setPolicy({ ...SET, policies: { ...SET.policies, partner: { origins: ['https://new.example'] } } })
  assert.equal(acaoOf(await get()), 'https://new.example')
})

test('hono: cors({ policy: set }) selects per host and path', async () => {
  const app = new Hono()
  app.use('*', honoCors({ policy: new PolicySet(SET) }))
  app.get('*', (c) => c.text('app'))
  const r = await app.request('https://api.acme.com/partner/x', { headers: { origin: 'https://partner.io' } })
  assert.equal(acaoOf(r), 'https://partner.io')
  const d = new PolicySet(SET).evaluate('GET', { host: 'api.acme.com', origin: 'https://a.acme.com' }, '/x')
  assert.deepEqual([d.policy, d.route, d.allowed], ['acme', 0, true])
})

test('fetch: a relative request URL without Host (Bun, HTTP/1.0) selects only `*` routes', () => {
  const fake = (url, headers) => ({ method: 'GET', url, headers: new Headers(headers) })
  const withStar = new PolicySet({ ...SET, policies: { ...SET.policies, open: { origins: ['*'] } }, routes: [...SET.routes, { host: '*', policy: 'open' }] })
  const d = decide(withStar, fake('/partner/x?q=1', { origin: 'https://partner.io' }))
  assert.deepEqual([d.policy, d.route, d.allowed], ['open', 2, true])
  const none = decide(new PolicySet(SET), fake('/partner/x', { origin: 'https://partner.io' }))
  assert.deepEqual([none.policy, none.route, none.reasonCode], [null, null, 'no_policy'])
  // With a Host header, it decides (the URL is not needed for the host).
  const hosted = decide(new PolicySet(SET), fake('/partner/x', { host: 'api.acme.com', origin: 'https://partner.io' }))
  assert.deepEqual([hosted.policy, hosted.route], ['partner', 1])
})
