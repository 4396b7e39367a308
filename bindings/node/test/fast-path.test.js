'use strict'
// The middleware's fast path (selected rawHeaders lines, NUL-joined, one native call)
// must give exactly the core's answer; its guards must hold.

const test = require('node:test')
const assert = require('node:assert/strict')
const v8 = require('node:v8')
const vm = require('node:vm')
const { Policy, requestHeaderNames } = require('../index.js')
const native = require('../binding.js') // the addon's internals, as the middleware sees them
const { headerNames } = native
const { decide, selectLines } = require('../lib/shared.js')
const { loadVectors } = require('./support/vectors.js')

const KINDS = ['not_cors', 'preflight', 'actual']
const NAMES = headerNames()

/** The fast form `[head, name, value, …]` → a Decision-like object. */
function fromFast(d) {
  const head = d[0]
  const headers = []
  for (let i = 1; i < d.length; i += 2) {
    headers.push([d[i].length === 1 ? NAMES[d[i].charCodeAt(0) - 65] : d[i], d[i + 1]])
  }
  return {
    kind: KINDS[head.charCodeAt(0) - 48],
    allowed: head[1] === '1',
    status: head.length > 2 ? Number(head.slice(2)) : null,
    headers,
  }
}

// Lines a browser or proxy adds that the core ignores, some with the same name lengths
// as the ones it reads (Accept, Cookie: 6 characters).
const NOISE = [
  ['Host', 'api.example.com'],
  ['Accept', '*/*'],
  ['Cookie', 'a=b'],
  ['X-Forwarded-For-Client-Connection-Id', 'x'],
  ['Sec-Fetch-Mode', 'cors'],
  ['Access-Control-Request-Methods', 'PUT'],
]

test('the fast path agrees with evaluate() on every vector, with noise lines around', () => {
  let n = 0
  for (const v of loadVectors()) {
    if (v.expect.config_error) continue
    const policy = new Policy(v.policy)
    for (const lines of [v.request.headers, [...NOISE.slice(0, 3), ...v.request.headers, ...NOISE.slice(3)]]) {
      const req = { method: v.request.method, rawHeaders: lines.flat(), headers: {} }
      const full = policy.evaluate(v.request.method, lines)
      const fast = fromFast(decide(policy, req))
      assert.deepEqual(fast, { kind: full.kind, allowed: full.allowed, status: full.status, headers: full.headers }, v.id)
      n++
    }
  }
  assert.ok(n >= 2 * 190, `${n} comparisons`)
})

test('the request header names are the ones the core reads', () => {
  const names = requestHeaderNames()
  // Requests in which every listed name is read: dropping it changes the decision.
  const cors = new Policy({ origins: ['https://example.com'], methods: ['PUT'], request_headers: ['x-a'], private_network: true })
  const protectedPolicy = new Policy({ origins: ['https://example.com'], cross_origin_protection: true })
  const scenarios = [
    [cors, 'OPTIONS', [
      ['Origin', 'https://example.com'],
      ['Access-Control-Request-Method', 'PUT'],
      ['Access-Control-Request-Headers', 'x-a'],
      ['Access-Control-Request-Private-Network', 'true'],
    ]],
    // A WebSocket handshake from the Host's own origin (passes without Host).
    [protectedPolicy, 'GET', [['Host', 'api.test'], ['Origin', 'https://api.test'], ['Upgrade', 'websocket']]],
    // The same, labelled cross-site: refused (passes without Sec-Fetch-Site).
    [protectedPolicy, 'GET', [['Host', 'api.test'], ['Origin', 'https://api.test'], ['Sec-Fetch-Site', 'cross-site'], ['Upgrade', 'websocket']]],
  ]
  for (const name of names) {
    const read = scenarios.some(([policy, method, lines]) => {
      if (!lines.some(([n]) => n === name)) return false
      const full = policy.evaluate(method, lines)
      return JSON.stringify(policy.evaluate(method, lines.filter(([n]) => n !== name))) !== JSON.stringify(full)
    })
    assert.ok(read, `${name} is listed but no decision depends on it`)
  }
  assert.deepEqual(headerNames().slice(-1), ['Vary'])
})

test('a NUL inside a value cannot forge a line: the array form is used instead', () => {
  const policy = new Policy({ origins: ['https://example.com'] })
  const raw = ['X-Note', 'a\u0000Origin\u0000https://example.com', 'Origin', 'https://evil.com']
  // Not selected anyway (length 6 names only): make the forged value ride on Origin.
  const forged = ['Origin', 'https://evil.com\u0000Origin\u0000https://example.com']
  for (const rawHeaders of [raw, forged]) {
    const fast = fromFast(decide(policy, { method: 'GET', rawHeaders, headers: {} }))
    const full = policy.evaluate('GET', rawHeaders)
    assert.deepEqual(fast.headers, full.headers)
    assert.equal(fast.allowed, false)
  }
  for (const decide of [native.decide, native.decideNapiRs]) {
    assert.equal(decide(policy, 'GET', 'Origin\u0000a\u0000b', 2), null)
    assert.equal(decide(policy, 'GET', 'Origin', 1), null)
    assert.equal(decide(policy, 'GET', 'x', 0), null)
    assert.equal(decide(policy, 'GET', '', 0), '01\u0000H\u0000Origin')
    assert.equal(decide(policy, 'GET', 'Origin\u0000https://example.com', 2), '21\u0000A\u0000https://example.com\u0000H\u0000Origin')
  }
})

test('requests without rawHeaders use req.headers', () => {
  const policy = new Policy({ origins: ['https://example.com'] })
  const d = fromFast(decide(policy, { method: 'GET', headers: { origin: 'https://example.com' } }))
  assert.equal(d.allowed, true)
  assert.deepEqual(d.headers[0], ['Access-Control-Allow-Origin', 'https://example.com'])
  assert.equal(selectLines(['Origin', 'a', 'User-Agent', 'b']).count, 2)
  assert.equal(selectLines(['Origin', 'a', 'Host', 'b', 'Upgrade', 'c', 'Sec-Fetch-Site', 'd']).count, 8)
})

test('the raw callbacks refuse anything that is not a Policy', () => {
  const policy = new Policy({ origins: ['https://example.com'] })
  // Objects napi-rs did not wrap as a Policy (no type tag), including ones that look like one.
  const others = [{}, Object.create(Policy.prototype), new Map(), Buffer.alloc(8), null, undefined, 42, 'x']
  for (const r of others) {
    assert.throws(
      () => Policy.prototype.isOriginAllowed.call(r, 'https://example.com'),
      (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE' && /Illegal invocation/.test(e.message),
      `isOriginAllowed on ${String(r)}`,
    )
    assert.throws(
      () => native.decide(r, 'GET', '', 0),
      (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE' && /not a corsgate Policy/.test(e.message),
      `decide with ${String(r)}`,
    )
  }
  assert.equal(policy.isOriginAllowed('https://example.com'), true)
  assert.throws(() => native.decide(policy, 'GET'), TypeError)
  assert.throws(() => native.decide(policy, 1, '', 0), TypeError)
  assert.throws(() => native.decide(policy, 'GET', 1, 0), TypeError)
  // Subclass instances are Policies.
  class Mine extends Policy {}
  assert.equal(new Mine({ origins: ['https://example.com'] }).isOriginAllowed('https://example.com'), true)
})

test('policies collected by the GC leave the fast path sound', () => {
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 200; i++) {
      const p = new Policy({ origins: [`https://r${round}-${i}.example.com`] })
      assert.equal(p.isOriginAllowed(`https://r${round}-${i}.example.com`), true)
      assert.equal(p.isOriginAllowed('https://other.example.com'), false)
    }
    gc()
  }
  const keep = new Policy({ origins: ['https://kept.example.com'] })
  gc()
  assert.equal(keep.isOriginAllowed('https://kept.example.com'), true)
})

test('decide answers like the core across many origins, per policy and per method', () => {
  const policy = new Policy({ origins: ['https://*.example.com'], credentials: true })
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 1500; i++) {
      const origin = i % 3 === 0 ? `https://evil${i}.com` : `https://a${i}.example.com`
      const rawHeaders = ['Host', 'h', 'Origin', origin]
      const fast = fromFast(decide(policy, { method: 'GET', rawHeaders, headers: {} }))
      const full = policy.evaluate('GET', rawHeaders)
      assert.deepEqual(fast, { kind: full.kind, allowed: full.allowed, status: full.status, headers: full.headers })
    }
  }
  // An answer is never shared with another policy.
  const req = { method: 'GET', rawHeaders: ['Origin', 'https://a1.example.com'], headers: {} }
  const other = new Policy({ origins: ['https://b.example.com'] })
  assert.equal(fromFast(decide(policy, req)).allowed, true)
  assert.equal(fromFast(decide(other, req)).allowed, false)
  // The method counts.
  const pf = ['Origin', 'https://a1.example.com', 'Access-Control-Request-Method', 'PUT']
  assert.equal(fromFast(decide(policy, { method: 'OPTIONS', rawHeaders: pf, headers: {} })).kind, 'preflight')
  assert.equal(fromFast(decide(policy, { method: 'GET', rawHeaders: pf, headers: {} })).kind, 'actual')
})
