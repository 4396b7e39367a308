'use strict'
// Seeing decisions: onDecision, onWarning, process.emitWarning with a stable code and
// shadowPolicy on the node:http, Express and Fastify middleware, over loopback HTTP.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const express = require('express')
const Fastify = require('fastify')
const { Policy } = require('../index.js')
const cors = require('../express.js')
const { withCors } = require('../http.js')
const corsgateFastify = require('../fastify.js')
const { rawRequest, listen, close } = require('./support/http-client.js')

const LIVE = { origins: ['https://app.example'], methods: ['PUT'], request_headers: ['x-a'] }
const SHADOW = { origins: ['https://app.example', 'https://new.example'] }
// Two warnings: a normalized origin and a duplicate entry.
const WARNED = { origins: ['https://App.Example', 'https://b.example', 'https://b.example'] }
const PRE = 'Access-Control-Request-Method'

/** Serves a middleware of `kind` built with `options` on loopback for `fn(port)`. */
async function served(kind, options, fn) {
  let start
  let stop
  if (kind === 'fastify') {
    const app = Fastify()
    await app.register(corsgateFastify, options)
    app.all('/*', async () => 'ok')
    start = async () => {
      await app.listen({ port: 0, host: '127.0.0.1' })
      return app.server.address().port
    }
    stop = () => app.close()
  } else {
    let handler
    if (kind === 'express') {
      handler = express()
      handler.use(cors(options))
      handler.all('/{*any}', (req, res) => res.send('ok'))
    } else {
      const { policy, ...rest } = options
      handler = withCors(policy, (req, res) => res.end('ok'), rest)
    }
    const server = http.createServer(handler)
    start = () => listen(server)
    stop = () => close(server)
  }
  const port = await start()
  try {
    await fn(port)
  } finally {
    await stop()
  }
}

const KINDS = ['http', 'express', 'fastify']

for (const kind of KINDS) {
  test(`${kind}: onDecision sees every request's reason code and detail`, async () => {
    const seen = []
    const onDecision = (d, req) => seen.push([req.method, d.kind, d.allowed, d.reasonCode, d.reasonDetail])
    await served(kind, { policy: LIVE, onDecision }, async (port) => {
      await rawRequest(port, 'GET', '/x', [['Origin', 'https://app.example']])
      await rawRequest(port, 'OPTIONS', '/x', [['Origin', 'https://evil.example'], [PRE, 'PUT']])
      await rawRequest(port, 'OPTIONS', '/x', [['Origin', 'https://app.example'], [PRE, 'DELETE']])
      await rawRequest(port, 'OPTIONS', '/x', [['Origin', 'https://app.example'], [PRE, 'PUT'],
        ['Access-Control-Request-Headers', 'x-a, x-b']])
      await rawRequest(port, 'GET', '/x', [])
    })
    assert.deepEqual(seen, [
      ['GET', 'actual', true, 'origin_allowed', 'https://app.example'],
      ['OPTIONS', 'preflight', false, 'origin_not_allowed', ''],
      ['OPTIONS', 'preflight', false, 'method_not_allowed', 'DELETE'],
      ['OPTIONS', 'preflight', false, 'header_not_allowed', 'x-b'],
      ['GET', 'not_cors', true, 'not_cors', ''],
    ])
  })

  test(`${kind}: policy warnings go to onWarning`, async () => {
    const warnings = []
    await served(kind, { policy: WARNED, onWarning: (w) => warnings.push(w.code) }, async (port) => {
      await rawRequest(port, 'GET', '/x', [['Origin', 'https://app.example']])
    })
    assert.deepEqual(warnings.sort(), new Policy(WARNED).warnings.map((w) => w.code).sort())
    assert.ok(warnings.length >= 2, 'the policy must warn for this test')
  })

  test(`${kind}: shadow disagreement reported with both reasons, response unchanged`, async () => {
    const warnings = []
    const decisions = []
    const pre = [['Origin', 'https://new.example'], [PRE, 'GET']]
    let without
    await served(kind, { policy: LIVE }, async (port) => {
      without = await rawRequest(port, 'OPTIONS', '/x', pre)
    })
    await served(kind, { policy: LIVE, shadowPolicy: SHADOW, onWarning: (w) => warnings.push(w),
      onDecision: (d) => decisions.push(d) }, async (port) => {
      const got = await rawRequest(port, 'OPTIONS', '/x', pre)
      const strip = (r) => r.headers.filter(([n]) => !['date', 'connection', 'keep-alive'].includes(n.toLowerCase()))
      assert.equal(got.status, 403)
      assert.equal(got.status, without.status)
      assert.deepEqual(strip(got), strip(without))
      await rawRequest(port, 'GET', '/x', [['Origin', 'https://app.example']]) // agreement: nothing
    })
    assert.equal(warnings.length, 1)
    const w = warnings[0]
    assert.equal(w.code, 'shadow_disagreement')
    assert.equal(w.live.reasonCode, 'origin_not_allowed')
    assert.equal(w.shadow.reasonCode, 'origin_allowed')
    assert.equal(w.shadow.reasonDetail, 'https://new.example')
    assert.match(w.message, /live denied \(origin_not_allowed: origin not allowed by any pattern\), shadow allowed \(origin_allowed: origin allowed by origins\[1\] "https:\/\/new.example"\)/)
    assert.equal(decisions[0].shadow.allowed, true)
    assert.equal(decisions[1].shadow.allowed, true)
  })
}

test('process.emitWarning with stable codes when no onWarning is given', async () => {
  const got = []
  const listener = (w) => got.push([w.name, w.code, w.message])
  process.on('warning', listener)
  try {
    cors({ policy: WARNED })
    await served('http', { policy: LIVE, shadowPolicy: SHADOW }, async (port) => {
      await rawRequest(port, 'GET', '/x', [['Origin', 'https://new.example']])
    })
    await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on next tick
  } finally {
    process.off('warning', listener)
  }
  const codes = got.map(([, code]) => code)
  assert.equal(codes.filter((c) => c === 'CORSGATE_POLICY_WARNING').length, new Policy(WARNED).warnings.length)
  assert.equal(codes.filter((c) => c === 'CORSGATE_SHADOW_DISAGREEMENT').length, 1)
  assert.ok(got.every(([name]) => name === 'CorsgateWarning'))
  assert.ok(got.some(([, , m]) => m.startsWith('corsgate: policy warning: ')))
})

test('setPolicy: the new policy\'s warnings reported on first use', async () => {
  const warnings = []
  const handler = withCors(LIVE, (req, res) => res.end('ok'), { onWarning: (w) => warnings.push(w.code) })
  assert.deepEqual(warnings, [])
  handler.setPolicy(WARNED)
  const server = http.createServer(handler)
  const port = await listen(server)
  try {
    await rawRequest(port, 'GET', '/x', [['Origin', 'https://app.example']])
    await rawRequest(port, 'GET', '/x', [['Origin', 'https://app.example']])
  } finally {
    await close(server)
  }
  assert.equal(warnings.length, new Policy(WARNED).warnings.length)
})

test('onDecision that throws: reported, the request answered', async () => {
  const warnings = []
  const onDecision = () => {
    throw new Error('metrics down')
  }
  await served('express', { policy: LIVE, onDecision, onWarning: (w) => warnings.push(w) }, async (port) => {
    const r = await rawRequest(port, 'GET', '/x', [['Origin', 'https://app.example']])
    assert.equal(r.status, 200)
  })
  assert.equal(warnings[0].code, 'on_decision_failed')
  assert.match(warnings[0].message, /metrics down/)
})

test('bad observation options name the option', () => {
  assert.throws(() => cors({ policy: LIVE, onDecision: 3 }), { code: 'ERR_INVALID_ARG_TYPE', message: /option "onDecision" must be a function, not number/ })
  assert.throws(() => withCors(LIVE, () => {}, { onWarning: 'x' }), /option "onWarning" must be a function, not string/)
  assert.throws(() => cors({ origin: 'https://a.example', shadowPolicy: { origins: ['https://*example.com'] } }), { code: 'invalid_wildcard' })
})

test('debug mode: a denied preflight carries Corsgate-Debug-Reason (express)', async () => {
  const warnings = []
  await served('express', { policy: { ...LIVE, debug: true }, onWarning: (w) => warnings.push(w.code) }, async (port) => {
    const denied = await rawRequest(port, 'OPTIONS', '/x', [['Origin', 'https://app.example'], [PRE, 'DELETE']])
    assert.equal(denied.status, 403)
    assert.deepEqual(denied.headers.filter(([n]) => n.toLowerCase() === 'corsgate-debug-reason').map(([, v]) => v), ['method_not_allowed'])
    const ok = await rawRequest(port, 'OPTIONS', '/x', [['Origin', 'https://app.example'], [PRE, 'PUT']])
    assert.equal(ok.status, 204)
    assert.ok(!ok.headers.some(([n]) => n.toLowerCase() === 'corsgate-debug-reason'))
  })
  assert.deepEqual(warnings, ['debug_on'])
})

test('object form reports every error at once, as the JSON text does', () => {
  const config = { origins: [1, 'https://*example.com'], max_age: 'x', credentials: 3 }
  const codes = (input) => {
    try {
      new Policy(input)
    } catch (e) {
      return e.errors.map((d) => `${d.field}:${d.code}`)
    }
    return []
  }
  const fromObject = codes(config)
  assert.deepEqual(fromObject, codes(JSON.stringify(config)))
  assert.ok(fromObject.includes('origins:invalid_wildcard'), fromObject.join(' '))
  assert.equal(fromObject.length, 4)
})
