'use strict'
// Policy sets in Node beyond the shared vectors (vectors.test.js and servers.test.js run
// every set- vector): the API's contract (errors by path, files, loadFile), the path the
// middleware select by (no query string; Express's full originalUrl under a mounted
// router), WebSocket handshakes, observer hooks and shadow sets, and hot reload (a broken
// set keeps the old one serving), all over real HTTP on loopback.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const express = require('express')
const Fastify = require('fastify')
const { Policy, PolicySet, loadFile } = require('../index.js')
const cors = require('../express.js')
const { withCors, guardUpgrade, checkUpgrade } = require('../http.js')
const corsgateFastify = require('../fastify.js')
const { pathOf } = require('../lib/shared.js')
const { rawRequest, listen, close } = require('./support/http-client.js')

const SET = {
  defaults: { methods: ['PUT'], request_headers: ['content-type'] },
  policies: {
    acme: { origins: ['https://*.acme.com'], credentials: true, cross_origin_protection: true },
    partner: { origins: ['https://partner.io'] },
    hooks: { origins: ['*'] },
  },
  routes: [
    { host: 'api.acme.com', policy: 'acme' },
    { host: 'api.acme.com', path_prefix: '/partner/', policy: 'partner' },
    { host: 'api.acme.com', path_prefix: '/hooks/', policy: 'hooks' },
  ],
}
const acao = (r) => r.headers.find(([n]) => n.toLowerCase() === 'access-control-allow-origin')?.[1]
const host = ['Host', 'api.acme.com']

function tmpFile(name, text) {
  const f = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'corsgate-sets-')), name)
  fs.writeFileSync(f, text)
  return f
}

test('PolicySet: every error named by its path, at once', () => {
  const bad = {
    policies: { acme: { origins: ['https://acme.com/app', 'https://*example.com'] } },
    routes: [{ host: 'api..acme.com', policy: 'acme' }, { host: '*', policy: 'nobody' }],
  }
  for (const input of [bad, JSON.stringify(bad), Buffer.from(JSON.stringify(bad))]) {
    assert.throws(
      () => new PolicySet(input),
      (e) => {
        assert.deepEqual(
          e.errors.map((d) => d.path),
          ['policies.acme.origins[0]', 'policies.acme.origins[1]', 'routes[0].host', 'routes[1].policy'],
        )
        for (const d of e.errors) assert.ok(e.message.includes(d.path), d.path)
        assert.equal(e.code, e.errors[0].code)
        return true
      },
    )
  }
  assert.throws(() => new PolicySet(42), { name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' })
  const s = new PolicySet(SET)
  assert.throws(() => s.evaluate('GET', [], 7), { name: 'TypeError' })
  assert.deepEqual(s.policyNames, ['acme', 'partner', 'hooks'])
  assert.deepEqual(s.routes[1], { host: 'api.acme.com', path_prefix: '/partner/', policy: 'partner' })
})

test('PolicySet: warnings by path; fromJson, fromFile and loadFile', () => {
  const warned = new PolicySet({ policies: { open: { origins: ['*'], cross_origin_protection: true } }, routes: [{ host: '*', policy: 'open' }] })
  assert.ok(warned.warnings.length > 0)
  assert.ok(warned.warnings.every((d) => d.severity === 'warning' && d.path.startsWith('policies.open')))
  const setFile = tmpFile('set.json', JSON.stringify(SET))
  const policyFile = tmpFile('policy.json', '{"origins": ["https://a.com"]}')
  for (const s of [PolicySet.fromJson(JSON.stringify(SET)), PolicySet.fromFile(setFile), loadFile(setFile)]) {
    assert.ok(s instanceof PolicySet)
    const d = s.evaluate('GET', [host, ['Origin', 'https://partner.io']], '/partner/x')
    assert.deepEqual([d.policy, d.route, d.allowed, d.kind], ['partner', 1, true, 'actual'])
  }
  assert.ok(loadFile(policyFile) instanceof Policy)
  assert.throws(() => loadFile(path.join(os.tmpdir(), 'corsgate-no-such-set.json')), { code: 'ENOENT' })
  assert.throws(() => PolicySet.fromFile(path.join(os.tmpdir(), 'corsgate-no-such-set.json')), { code: 'ENOENT' })
})

test('the selection path: no query string, absolute-form targets, Express originalUrl', () => {
  assert.equal(pathOf({ url: '/partner/x?a=/hooks/' }), '/partner/x')
  assert.equal(pathOf({ url: 'http://api.acme.com/partner/x?q' }), '/partner/x')
  assert.equal(pathOf({ url: 'http://api.acme.com' }), '/')
  assert.equal(pathOf({ url: '/x', originalUrl: '/partner/x?y' }), '/partner/x')
  assert.equal(pathOf({}), '/')
})

test('Express: a router mounted at /partner selects by the full path', async () => {
  const app = express()
  const router = express.Router()
  router.use(cors(SET))
  router.get('/*rest', (req, res) => res.send(req.url))
  app.use('/partner', router)
  const server = http.createServer(app)
  const port = await listen(server)
  try {
    const r = await rawRequest(port, 'GET', '/partner/orders?x=1', [host, ['Origin', 'https://partner.io']])
    assert.equal(r.status, 200)
    assert.equal(r.body, '/orders?x=1') // the app sees the mount-stripped url...
    assert.equal(acao(r), 'https://partner.io') // ...the set selected by /partner/orders
  } finally {
    await close(server)
  }
})

test('node:http and Fastify: the query string plays no part in selection', async () => {
  const handler = withCors(SET, (req, res) => res.end('app'))
  const server = http.createServer(handler)
  const port = await listen(server)
  const fastify = Fastify()
  await fastify.register(corsgateFastify, SET)
  fastify.get('/*', async () => 'app')
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  try {
    for (const p of [port, fastify.server.address().port]) {
      const a = await rawRequest(p, 'GET', '/x?next=/partner/', [host, ['Origin', 'https://partner.io']])
      assert.equal(acao(a), undefined, 'acme does not trust partner.io')
      const b = await rawRequest(p, 'GET', '/partner/x?next=/', [host, ['Origin', 'https://partner.io']])
      assert.equal(acao(b), 'https://partner.io')
    }
  } finally {
    await close(server)
    await fastify.close()
  }
})

/** Sends a WebSocket handshake; resolves the status line's code. */
function handshake(port, p, origin) {
  return rawRequest(port, 'GET', p, [host, ['Origin', origin], ['Upgrade', 'websocket'], ['Connection', 'Upgrade'], ['Sec-WebSocket-Version', '13'], ['Sec-WebSocket-Key', 'dGhlIHNhbXBsZSBub25jZQ==']])
}

test('guardUpgrade and checkUpgrade take a set: protection per route', async () => {
  for (const style of ['guard', 'check']) {
    const server = http.createServer((req, res) => res.end())
    let guard
    server.on('upgrade', (req, socket) => {
      if (style === 'check' && checkUpgrade(new PolicySet(SET), req, socket)) return
      socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n')
    })
    if (style === 'guard') guard = guardUpgrade(server, SET)
    const port = await listen(server)
    try {
      // acme protects: a cross-site handshake is refused before any listener.
      const refused = await handshake(port, '/ws', 'https://evil.example')
      assert.equal(refused.status, 403)
      assert.deepEqual(refused.headers.filter(([n]) => n === 'Vary'), [['Vary', 'Origin']])
      assert.equal((await handshake(port, '/ws', 'https://app.acme.com')).status, 101)
      // The hooks route leaves protection off.
      assert.equal((await handshake(port, '/hooks/ws?x', 'https://evil.example')).status, 101)
      if (guard) {
        // Hot reload: a broken set throws and the old one keeps guarding.
        assert.throws(() => guard.setPolicy({ policies: {}, routes: [{ host: '*', policy: 'x' }] }), { code: 'unknown_policy' })
        assert.equal((await handshake(port, '/ws', 'https://evil.example')).status, 403)
        guard.setPolicy({ ...SET, policies: { ...SET.policies, acme: { origins: ['https://evil.example'], cross_origin_protection: true } } })
        assert.equal((await handshake(port, '/ws', 'https://evil.example')).status, 101)
        guard.remove()
      }
    } finally {
      await close(server)
    }
  }
})

test('observer hooks and a shadow set see the selected policy and route', async () => {
  const seen = []
  const warnings = []
  const shadow = { ...SET, policies: { ...SET.policies, partner: { origins: ['https://other.io'] } } }
  const handler = withCors(SET, (req, res) => res.end('app'), {
    onDecision: (d) => seen.push(d),
    onWarning: (w) => warnings.push(w),
    shadowPolicy: shadow,
  })
  const server = http.createServer(handler)
  const port = await listen(server)
  try {
    await rawRequest(port, 'GET', '/partner/a?b', [host, ['Origin', 'https://partner.io']])
    await rawRequest(port, 'GET', '/x', [['Host', 'elsewhere.example'], ['Origin', 'https://partner.io']])
  } finally {
    await close(server)
  }
  assert.deepEqual(
    seen.map((d) => [d.policy, d.route, d.allowed, d.reasonCode]),
    [
      ['partner', 1, true, 'origin_allowed'],
      [null, null, true, 'no_policy'],
    ],
  )
  assert.deepEqual([seen[0].shadow.policy, seen[0].shadow.allowed], ['partner', false])
  const dis = warnings.filter((w) => w.code === 'shadow_disagreement')
  assert.equal(dis.length, 1)
  assert.match(dis[0].message, /policy "partner"/)
})

test('hot reload of a set (Express, node:http, Fastify, from a file): a broken set keeps the old one serving', async () => {
  const file = tmpFile('set.json', JSON.stringify(SET))
  const app = express()
  const mw = cors(loadFile(file))
  app.use(mw, (req, res) => res.send('app'))
  const h = withCors(loadFile(file), (req, res) => res.end('app'))
  const fastify = Fastify()
  await fastify.register(corsgateFastify, { policy: loadFile(file) })
  fastify.get('/*', async () => 'app')
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  const servers = [http.createServer(app), http.createServer(h)]
  const ports = [await listen(servers[0]), await listen(servers[1]), fastify.server.address().port]
  const handles = [mw, h, fastify.corsgate]
  const get = (p) => rawRequest(p, 'GET', '/partner/x', [host, ['Origin', 'https://new.example']])
  try {
    for (const p of ports) assert.equal(acao(await get(p)), undefined)
    // A broken set on disk: reloading throws, the old set keeps serving.
    fs.writeFileSync(file, JSON.stringify({ ...SET, routes: [{ host: 'api.acme.com', policy: 'missing' }] }))
    for (const hd of handles) {
      const before = hd.policy
      assert.throws(() => hd.setPolicy(loadFile(file)), (e) => e.errors.some((d) => d.path === 'routes[0].policy'))
      assert.equal(hd.policy, before)
    }
    for (const p of ports) assert.equal(acao(await get(p)), undefined)
    // A good new set: swapped in.
    fs.writeFileSync(file, JSON.stringify({ ...SET, policies: { ...SET.policies, partner: { origins: ['https://new.example'] } } }))
    for (const hd of handles) assert.ok(hd.setPolicy(loadFile(file)) instanceof PolicySet)
    for (const p of ports) assert.equal(acao(await get(p)), 'https://new.example')
    // And back to a single policy.
    for (const hd of handles) assert.ok(hd.setPolicy({ origins: ['https://solo.example'] }) instanceof Policy)
    for (const p of ports) assert.equal(acao(await rawRequest(p, 'GET', '/', [host, ['Origin', 'https://solo.example']])), 'https://solo.example')
  } finally {
    await Promise.all(servers.map(close))
    await fastify.close()
  }
})
