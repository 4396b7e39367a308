'use strict'
// The Node API contract: constructors, header shapes, results, errors, hostile input.

const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const corsgate = require('../index.js')
const { Policy } = corsgate

const CONFIG = {
  origins: ['https://example.com', 'https://*.example.com', 'http://localhost:*'],
  credentials: true,
  methods: ['PUT', 'DELETE'],
  request_headers: ['authorization', 'content-type', 'x-request-id'],
  expose_headers: ['x-request-id'],
  max_age: 600,
}
const policy = new Policy(CONFIG)

function tmpFile(name, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'corsgate-node-'))
  const file = path.join(dir, name)
  fs.writeFileSync(file, text)
  return file
}

test('version is the core crate version', () => {
  const cargo = fs.readFileSync(path.join(__dirname, '..', '..', '..', 'Cargo.toml'), 'utf8')
  const m = cargo.match(/\[workspace\.package\][^[]*?version\s*=\s*"([^"]+)"/)
  assert.ok(m, 'workspace version found')
  assert.equal(corsgate.version(), m[1])
  assert.equal(require('../package.json').version, m[1])
})

test('the public surface is the documented API only', () => {
  // The package entry: index.d.ts declares exactly these (plus napi-rs's loader marker).
  assert.deepEqual(Object.keys(corsgate).sort(), ['Policy', 'PolicySet', '__napiBindingTarget', 'loadFile', 'requestHeaderNames', 'version'])
  // PolicySet.prototype: evaluate, evaluateJson and the getters.
  assert.deepEqual(Object.getOwnPropertyNames(corsgate.PolicySet.prototype).sort(), ['constructor', 'evaluate', 'evaluateJson', 'policyNames', 'routes', 'warnings'])
  // Policy.prototype: evaluate, evaluateJson, isOriginAllowed, toJSON and the getters;
  // no internal helper (no `_…`, no decideCompact).
  const proto = Object.getOwnPropertyNames(Policy.prototype).sort()
  assert.deepEqual(proto, ['config', 'constructor', 'evaluate', 'evaluateJson', 'isOriginAllowed', 'toJSON', 'warnings'])
  assert.deepEqual(Object.getOwnPropertyNames(Policy).filter((n) => !['length', 'name', 'prototype', 'arguments', 'caller'].includes(n)).sort(), [
    'fromFile',
    'fromJson',
  ])
  // The declaration file names none of the internals either.
  const dts = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')
  for (const internal of ['decideCompact', 'decideSetCompact', 'isPolicySet', 'headerNames', '_decide', '_corsgateRegister', 'decideNapiRs', 'CompactDecision']) {
    assert.ok(!new RegExp(`\\b${internal}\\b`).test(dts), `${internal} in index.d.ts`)
  }
  // The loader holding the internals is not reachable from outside the package.
  assert.throws(() => require('corsgate/binding.js'), { code: 'ERR_PACKAGE_PATH_NOT_EXPORTED' })
  assert.equal(require('corsgate').Policy, Policy)
})

test('a policy object, its JSON text, a Buffer, fromJson and fromFile compile alike', () => {
  const text = JSON.stringify(CONFIG)
  const file = tmpFile('cors.json', text)
  const all = [
    new Policy(CONFIG),
    new Policy(text),
    new Policy(Buffer.from(text)),
    Policy.fromJson(text),
    Policy.fromFile(file),
  ]
  const req = [['Origin', 'https://a.example.com'], ['Access-Control-Request-Method', 'PUT']]
  const expected = all[0].evaluate('OPTIONS', req)
  assert.equal(expected.allowed, true)
  for (const p of all) {
    assert.ok(p instanceof Policy)
    assert.deepEqual(p.evaluate('OPTIONS', req), expected)
    assert.deepEqual(p.config, all[0].config)
  }
})

test('evaluate: a preflight is answered with the core headers', () => {
  const d = policy.evaluate('OPTIONS', {
    origin: 'https://app.example.com',
    'access-control-request-method': 'PUT',
    'access-control-request-headers': 'content-type, x-request-id',
  })
  assert.equal(d.kind, 'preflight')
  assert.equal(d.allowed, true)
  assert.equal(d.status, 204)
  assert.equal(d.reasonCode, 'origin_allowed')
  assert.match(d.reason, /origins\[1\] "https:\/\/\*\.example\.com"/)
  const h = Object.fromEntries(d.headers)
  assert.equal(h['Access-Control-Allow-Origin'], 'https://app.example.com')
  assert.equal(h['Access-Control-Allow-Credentials'], 'true')
  assert.equal(h['Access-Control-Allow-Methods'], 'PUT')
  assert.equal(h['Access-Control-Allow-Headers'], 'content-type, x-request-id')
  assert.equal(h['Access-Control-Max-Age'], '600')
  assert.match(h.Vary, /^Origin, Access-Control-Request-Method/)
})

test('evaluate: the three header shapes give the same decision', () => {
  const pairs = [
    ['Host', 'api.example.com'],
    ['Origin', 'https://example.com'],
    ['Accept', '*/*'],
  ]
  const obj = { host: 'api.example.com', origin: 'https://example.com', accept: '*/*', 'x-none': undefined }
  const d = policy.evaluate('GET', pairs)
  assert.equal(d.kind, 'actual')
  assert.equal(d.allowed, true)
  assert.equal(d.status, null)
  assert.deepEqual(policy.evaluate('GET', pairs.flat()), d)
  assert.deepEqual(policy.evaluate('GET', obj), d)
  assert.deepEqual(policy.evaluate('GET', { ...obj, origin: ['https://example.com'] }), d)
})

test('evaluate: no headers is not CORS', () => {
  for (const h of [undefined, null, [], {}]) {
    const d = policy.evaluate('GET', h)
    assert.equal(d.kind, 'not_cors')
    assert.equal(d.allowed, true)
    assert.deepEqual(d.headers, [['Vary', 'Origin']])
  }
  assert.equal(policy.evaluate('GET').kind, 'not_cors')
})

test('evaluate: repeated Origin lines (rawHeaders) are refused, not merged', () => {
  const raw = ['Origin', 'https://example.com', 'Origin', 'https://evil.com']
  const d = policy.evaluate('GET', raw)
  assert.equal(d.allowed, false)
  assert.equal(d.reasonCode, 'origin_multiple')
  assert.equal(d.headers.find(([n]) => n === 'Access-Control-Allow-Origin'), undefined)
  // Node's req.headers joins them with ", ": not an origin either.
  const joined = policy.evaluate('GET', { origin: 'https://example.com, https://evil.com' })
  assert.equal(joined.allowed, false)
  assert.equal(joined.reasonCode, 'origin_malformed')
  // An array value in an IncomingHttpHeaders-like object is several lines.
  assert.equal(policy.evaluate('GET', { origin: ['https://example.com', 'https://evil.com'] }).reasonCode, 'origin_multiple')
})

test('evaluate: denials say why', () => {
  const cases = [
    [[['Origin', 'https://evil.com']], 'GET', 'origin_not_allowed'],
    [[['Origin', 'https://example.com/']], 'GET', 'origin_malformed'],
    [[['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PATCH']], 'OPTIONS', 'method_not_allowed'],
    [
      [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'x-other']],
      'OPTIONS',
      'header_not_allowed',
    ],
  ]
  for (const [headers, method, code] of cases) {
    const d = policy.evaluate(method, headers)
    assert.equal(d.allowed, false, code)
    assert.equal(d.reasonCode, code)
    assert.ok(d.reason.length > 0)
    if (d.kind === 'preflight') assert.equal(d.status, 403)
  }
})

test('evaluate: a huge Access-Control-Request-Headers is a bounded deny', () => {
  const big = 'x-a,'.repeat(256 * 1024)
  const t0 = process.hrtime.bigint()
  const d = policy.evaluate('OPTIONS', [
    ['Origin', 'https://example.com'],
    ['Access-Control-Request-Method', 'PUT'],
    ['Access-Control-Request-Headers', big],
  ])
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  assert.equal(d.allowed, false)
  assert.equal(d.reasonCode, 'headers_too_large')
  assert.ok(ms < 200, `took ${ms} ms`)
})

test('evaluate: non-ASCII and control bytes are denied, never echoed', () => {
  for (const o of ['https://exämple.com', 'https://example.com\u0000', 'https://exa\tmple.com', '\uD800']) {
    const d = policy.evaluate('GET', [['Origin', o]])
    assert.equal(d.allowed, false)
    for (const [, v] of d.headers) assert.ok(!v.includes(o))
  }
})

test('evaluate: wrong argument types are TypeErrors', () => {
  const bad = [
    () => policy.evaluate(undefined, []),
    () => policy.evaluate(42, []),
    () => policy.evaluate('GET', 'Origin: x'),
    () => policy.evaluate('GET', 42),
    () => policy.evaluate('GET', ['Origin']),
    () => policy.evaluate('GET', ['Origin', 5]),
    () => policy.evaluate('GET', [['Origin', 'a', 'b']]),
    () => policy.evaluate('GET', [['Origin', 'a'], 'x']),
    () => policy.evaluate('GET', { origin: 5 }),
    () => policy.evaluate('GET', { origin: [5] }),
    () => new Policy(42),
    () => new Policy(undefined),
    () => new Policy({ origins: ['https://example.com'], credentials: () => true }),
  ]
  for (const f of bad) {
    assert.throws(f, (e) => {
      assert.ok(e instanceof TypeError, `${f}: ${e}`)
      assert.equal(e.code, 'ERR_INVALID_ARG_TYPE')
      return true
    })
  }
})

test('evaluate: exceptions thrown by header getters propagate, nothing crashes', () => {
  const headers = {
    get origin() {
      throw new Error('boom')
    },
  }
  assert.throws(() => policy.evaluate('GET', headers), /boom/)
  // A getter that re-enters evaluate is fine.
  const nested = {
    get origin() {
      return policy.evaluate('GET', [['Origin', 'https://example.com']]).headers[0][1]
    },
  }
  assert.equal(policy.evaluate('GET', nested).allowed, true)
  // Still usable afterwards.
  assert.equal(policy.evaluate('GET', [['Origin', 'https://example.com']]).allowed, true)
})

test('isOriginAllowed', () => {
  assert.equal(policy.isOriginAllowed('https://example.com'), true)
  assert.equal(policy.isOriginAllowed('https://a.b.example.com'), true)
  assert.equal(policy.isOriginAllowed('http://localhost:5173'), true)
  assert.equal(policy.isOriginAllowed('https://evilexample.com'), false)
  assert.equal(policy.isOriginAllowed('https://example.com.evil.net'), false)
  assert.equal(policy.isOriginAllowed('HTTPS://example.com'), false)
  assert.equal(policy.isOriginAllowed(''), false)
  assert.equal(policy.isOriginAllowed('https://' + 'a'.repeat(5000) + '.example.com'), false)
  assert.equal(policy.isOriginAllowed(undefined), false)
  assert.equal(policy.isOriginAllowed(42), false)
  // Long but within the core's limit, via the arena path: same as the core's answer.
  const long = 'https://' + 'a'.repeat(60) + '.' + 'b'.repeat(60) + '.example.com'
  assert.equal(policy.isOriginAllowed(long), policy.evaluate('GET', [['Origin', long]]).allowed)
})

test('config errors: Error with code, errors and warnings from the core', () => {
  const bad = {
    origins: ['https://*example.com', 'https://example.com/path', 'HTTPS://Example.COM'],
    credentials: true,
    max_age: 100000,
  }
  assert.throws(
    () => new Policy(bad),
    (e) => {
      assert.ok(e instanceof Error)
      assert.equal(e.code, 'invalid_wildcard')
      assert.match(e.message, /^corsgate: invalid policy \(3 errors\)/)
      assert.deepEqual(
        e.errors.map((d) => [d.code, d.field, d.index, d.value]),
        [
          ['invalid_wildcard', 'origins', 0, 'https://*example.com'],
          ['origin_has_path', 'origins', 1, 'https://example.com/path'],
          ['max_age_too_large', 'max_age', null, null],
        ],
      )
      for (const d of e.errors) {
        assert.equal(d.severity, 'error')
        assert.ok(e.message.includes(d.message))
      }
      assert.ok(e.warnings.some((w) => w.code === 'normalized_origin' && w.index === 2))
      return true
    },
  )
})

test('config errors: shape errors, JSON errors and files', () => {
  const cases = [
    [() => new Policy({ origins: ['https://example.com'], orgins: [] }), 'unknown_field'],
    [() => new Policy({}), 'missing_origins'],
    [() => new Policy({ origins: [] }), 'empty_origins'],
    [() => new Policy({ origins: 'https://example.com' }), 'invalid_type'],
    [() => new Policy('{"origins": ['), 'invalid_json'],
    [() => new Policy('[1]'), 'invalid_json'],
    [() => new Policy(Buffer.from([0xff, 0xfe])), 'invalid_json'],
    [() => Policy.fromJson('nope'), 'invalid_json'],
    [() => Policy.fromFile(tmpFile('bad.json', '{"origins": ["*"], "credentials": true}')), 'any_origin_with_credentials'],
  ]
  for (const [f, code] of cases) {
    assert.throws(f, (e) => {
      assert.equal(e.code, code)
      assert.ok(e.errors.length >= 1)
      assert.equal(e.errors[0].code, code)
      return true
    })
  }
  assert.throws(
    () => Policy.fromFile(path.join(os.tmpdir(), 'corsgate-does-not-exist.json')),
    (e) => e.code === 'ENOENT' && /cannot read policy file/.test(e.message) && typeof e.path === 'string',
  )
  assert.throws(() => Policy.fromFile(os.tmpdir()), (e) => e.code === 'EISDIR' || e.code === 'EIO')
})

test('warnings and config are exposed', () => {
  const p = new Policy({ origins: ['HTTPS://Example.COM:443/', 'https://example.com'], methods: ['get'] })
  const codes = p.warnings.map((w) => w.code)
  assert.ok(codes.includes('normalized_origin'), codes.join())
  assert.ok(codes.includes('normalized_method'), codes.join())
  for (const w of p.warnings) assert.equal(w.severity, 'warning')
  assert.equal(p.config.origins[0], 'HTTPS://Example.COM:443/', 'config is as written')
  assert.equal(p.config.preflight_status, 204)
  assert.deepEqual(JSON.parse(JSON.stringify(p)), p.config)
  // The config round-trips into an equivalent policy.
  assert.deepEqual(new Policy(p.config).config, p.config)
  assert.equal(p.isOriginAllowed('https://example.com'), true)
})
