// The API contract of @corsgate/wasm in Node: the ESM and CommonJS entries, argument
// types, errors with the core's codes, warnings, header shapes, NUL bytes, free().
import test from 'node:test'
import assert from 'node:assert/strict'
import { createRequire } from 'node:module'
import { Policy, version, requestHeaderNames } from '../index.js'

const require = createRequire(import.meta.url)
const POLICY = { origins: ['https://example.com', 'https://*.example.com'], methods: ['PUT'], request_headers: ['x-a'] }

test('ESM and CommonJS entries give the same answers', () => {
  const cjs = require('../dist/index.cjs')
  const a = new Policy(POLICY).evaluate('GET', { origin: 'https://a.example.com' })
  const b = new cjs.Policy(POLICY).evaluate('GET', { origin: 'https://a.example.com' })
  assert.deepEqual(a, b)
  assert.equal(cjs.version(), version())
  assert.match(version(), /^\d+\.\d+\.\d+/)
})

test('evaluate: a preflight, with every header shape', () => {
  const p = new Policy(POLICY)
  const pairs = [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'X-A']]
  const d = p.evaluate('OPTIONS', pairs)
  assert.equal(d.kind, 'preflight')
  assert.equal(d.allowed, true)
  assert.equal(d.status, 204)
  assert.equal(d.reasonCode, 'origin_allowed')
  assert.match(d.reason, /origins\[0\]/)
  assert.deepEqual(p.evaluate('OPTIONS', pairs.flat()), d)
  assert.deepEqual(p.evaluate('OPTIONS', new Headers(pairs)).headers, d.headers.map(([n, v]) => [n, v]))
  assert.deepEqual(p.evaluate('OPTIONS', Object.fromEntries(pairs)), d)
  assert.equal(p.evaluate('GET').kind, 'not_cors')
  assert.equal(p.evaluate('GET', null).kind, 'not_cors')
})

test('two Origin lines are a deny (origin_multiple)', () => {
  const p = new Policy(POLICY)
  const d = p.evaluate('GET', { origin: ['https://example.com', 'https://example.com'] })
  assert.equal(d.allowed, false)
  assert.equal(d.reasonCode, 'origin_multiple')
})

test('a NUL byte inside a value takes the length-prefixed path and is a deny', () => {
  const p = new Policy(POLICY)
  const d = p.evaluate('GET', [['Origin', 'https://example.com\0x']])
  assert.equal(d.allowed, false)
  assert.equal(d.reasonCode, 'origin_malformed')
  const ok = p.evaluate('GET', [['X\0Y', 'a'], ['Origin', 'https://example.com']])
  assert.equal(ok.allowed, true)
})

test('large inputs grow the buffer; non-ASCII is carried as UTF-8', () => {
  const p = new Policy(POLICY)
  const big = 'x-a,'.repeat(50000) + 'x-a'
  const d = p.evaluate('OPTIONS', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', big]])
  assert.equal(d.reasonCode, 'headers_too_large')
  const u = p.evaluate('GET', [['Origin', 'https://exämple.com']])
  assert.equal(u.reasonCode, 'origin_malformed')
  assert.equal(p.evaluate('GET', { origin: 'https://example.com' }).allowed, true)
})

test('invalid policies throw the core codes and messages, all errors at once', () => {
  assert.throws(
    () => new Policy({ origins: ['*', 'https://*x.com'], credentials: true, max_age: 100000 }),
    (e) => {
      assert.ok(e instanceof Error)
      assert.ok(e.errors.length >= 2)
      assert.equal(e.code, e.errors[0].code)
      assert.match(e.message, /^corsgate: invalid policy \(\d+ errors\)/)
      for (const d of e.errors) {
        assert.equal(d.severity, 'error')
        assert.ok(e.message.includes(d.message))
      }
      return true
    },
  )
  assert.throws(() => new Policy('{not json'), (e) => e.code === 'invalid_json')
  assert.throws(() => new Policy({ origins: ['https://a.com'], bogus: 1 }), (e) => e.code === 'unknown_field')
})

test('wrong argument types are TypeErrors with ERR_INVALID_ARG_TYPE', () => {
  const p = new Policy(POLICY)
  const cases = [
    () => new Policy(42),
    () => new Policy(undefined),
    () => new Policy({ origins: [1n] }),
    () => p.evaluate(1, []),
    () => p.evaluate('GET', 'Origin: x'),
    () => p.evaluate('GET', [['Origin']]),
    () => p.evaluate('GET', ['Origin']),
    () => p.evaluate('GET', [['Origin', 5]]),
  ]
  for (const f of cases) {
    assert.throws(f, (e) => e instanceof TypeError && e.code === 'ERR_INVALID_ARG_TYPE', String(f))
  }
  assert.equal(p.isOriginAllowed(5), false)
})

test('bytes, JSON text and objects compile alike; warnings and config', () => {
  const text = JSON.stringify({ origins: ['HTTPS://Example.com/'] })
  const a = new Policy(text)
  const b = new Policy(new TextEncoder().encode(text))
  const c = Policy.fromJson(text)
  assert.deepEqual(a.config, b.config)
  assert.deepEqual(a.toJSON(), c.config)
  assert.deepEqual(a.config.origins, ['HTTPS://Example.com/'])
  assert.ok(a.warnings.length >= 1)
  assert.ok(a.warnings.every((w) => w.severity === 'warning' && typeof w.code === 'string'))
  assert.equal(a.isOriginAllowed('https://example.com'), true)
  assert.equal(a.isOriginAllowed('https://evil.com'), false)
})

test('free() releases the policy; later calls throw', () => {
  const p = new Policy(POLICY)
  p.free()
  p.free()
  assert.throws(() => p.evaluate('GET', []), /freed/)
  assert.throws(() => p.isOriginAllowed('https://example.com'), /freed/)
})

test('many policies compiled and freed do not grow memory without bound', () => {
  for (let i = 0; i < 2000; i++) new Policy(POLICY).free()
  assert.deepEqual(requestHeaderNames(), ['Origin', 'Access-Control-Request-Method', 'Access-Control-Request-Headers',
    'Access-Control-Request-Private-Network', 'Host', 'Sec-Fetch-Site', 'Upgrade'])
})

test('applyDecision: the core response rule on app headers', async () => {
  const { applyDecision } = await import('../index.js')
  const p = new Policy({ origins: ['https://example.com'], credentials: true })
  const d = p.evaluate('GET', [['Origin', 'https://example.com']])
  const app = [['Content-Type', 'text/plain'], ['access-control-allow-origin', '*'], ['Vary', 'accept-encoding'], ['Vary', 'origin']]
  const out = applyDecision(d, app)
  assert.deepEqual(out.filter(([n]) => /^access-control-/i.test(n)), d.headers.filter(([n]) => /^access-control-/i.test(n)))
  assert.deepEqual(out.slice(0, 3), [['Content-Type', 'text/plain'], ['Vary', 'accept-encoding'], ['Vary', 'origin']])
  assert.equal(out.filter(([n]) => n.toLowerCase() === 'vary').length, 2, 'Origin already listed: not added again')
  const pf = p.evaluate('OPTIONS', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'GET']])
  assert.deepEqual(applyDecision(pf, app), pf.headers, 'a preflight: the decision’s own headers')
  assert.deepEqual(applyDecision(d, new Headers(app)).find(([n]) => n === 'vary'), ['vary', 'accept-encoding, origin'])
  assert.throws(() => applyDecision(null, app), (e) => e.code === 'ERR_INVALID_ARG_TYPE')
  assert.throws(() => applyDecision({ kind: 'bogus', headers: [] }, app), (e) => e.code === 'ERR_INVALID_ARG_TYPE')
  // A NUL inside an app value takes the length-prefixed path.
  assert.deepEqual(applyDecision(d, [['X-A', 'a\0b']])[0], ['X-A', 'a\0b'])
})
