'use strict'
// The `cors` package's options: what maps, what is refused, and that the mapped policy
// gives browsers the same verdict as `cors` itself on the same requests.

const test = require('node:test')
const assert = require('node:assert/strict')
const corsPkg = require('cors')
const Fastify = require('fastify')
const corsgate = require('../express.js')
const corsgateFastify = require('../fastify.js')
const { fromCorsOptions } = corsgate
const { verdicts } = require('./support/judge.js')

test('options map onto a policy', () => {
  assert.deepEqual(fromCorsOptions(undefined).config, {
    origins: ['*'],
    credentials: false,
    methods: ['PUT', 'PATCH', 'DELETE'],
    request_headers: ['*', 'authorization'],
  })
  const { config, preflightContinue, disabled } = fromCorsOptions({
    origin: ['https://example.com', /^https:\/\/([a-z0-9-]+\.)?example\.org$/],
    methods: 'GET, PUT,DELETE',
    allowedHeaders: ['Content-Type', 'Authorization'],
    exposedHeaders: 'X-Total-Count',
    credentials: true,
    maxAge: '600',
    optionsSuccessStatus: 200,
    preflightContinue: true,
  })
  assert.equal(disabled, false)
  assert.equal(preflightContinue, true)
  assert.deepEqual(config, {
    origins: ['https://example.com', '~^https://([a-z0-9-]+\\.)?example\\.org$'],
    credentials: true,
    methods: ['GET', 'PUT', 'DELETE'],
    request_headers: ['Content-Type', 'Authorization'],
    expose_headers: ['X-Total-Count'],
    max_age: 600,
    preflight_status: 200,
  })
  assert.deepEqual(fromCorsOptions({ origin: 'https://a.example', headers: 'x-a' }).config.request_headers, ['x-a'])
  assert.deepEqual(fromCorsOptions({ origin: true }).config.origins, ['*'])
  assert.equal(fromCorsOptions({ origin: false }).disabled, true)
  // "\/" in a RegExp source is "/" for the core; an escaped backslash stays.
  assert.deepEqual(fromCorsOptions({ origin: new RegExp('^https:\\/\\/x\\\\/$') }).config.origins, ['~^https://x\\\\/$'])
})

test('unsafe or unknown options are refused with a clear error', () => {
  const refused = [
    [{ origin: /example\.com$/ }, 'origin', /not anchored/],
    [{ origin: /^https:\/\/example\.com/ }, 'origin', /not anchored/],
    [{ origin: /^https:\/\/a\.com|https:\/\/b\.com$/ }, 'origin', /top-level \|/],
    [{ origin: /^https:\/\/example\.com\$/ }, 'origin', /not anchored/],
    [{ origin: /^https:\/\/example\.com$/i }, 'origin', /flags "i"/],
    [{ origin: /^https:\/\/example\.com$/g }, 'origin', /stateful/],
    [{ origin: true, credentials: true }, 'origin', /reflects every origin/],
    [{ origin: [42] }, 'origin', /strings or RegExps/],
    [{ origin: 'https://example.com', credentails: true }, 'credentails', /unknown/],
    [{ credentials: 'yes' }, 'credentials', /boolean/],
    [{ methods: 42 }, 'methods', /comma-separated/],
    [(req, cb) => cb(null, {}), 'options', /per request/],
  ]
  for (const [opts, option, msg] of refused) {
    assert.throws(
      () => corsgate(opts),
      (e) => {
        assert.equal(e.code, 'ERR_CORSGATE_UNSUPPORTED_OPTION', String(e))
        assert.equal(e.option, option)
        assert.match(e.message, msg)
        assert.match(e.message, /^corsgate: /)
        return true
      },
    )
  }
})

test('values are validated by the core, with its codes', () => {
  const cases = [
    [{ origin: '*', credentials: true }, 'any_origin_with_credentials'],
    [{ origin: 'https://*example.com' }, 'invalid_wildcard'],
    [{ origin: /^(?=x)https:\/\/a\.com$/ }, 'invalid_regex'],
    [{ origin: 'https://a.com', maxAge: 999999 }, 'max_age_too_large'],
    [{ origin: 'https://a.com', maxAge: 'soon' }, 'invalid_type'],
    [{ origin: 'https://a.com', optionsSuccessStatus: 404 }, 'invalid_preflight_status'],
    [{ origin: 'https://a.com', methods: ['TRACE'] }, 'forbidden_method'],
    [{ origin: 'https://a.com', allowedHeaders: ['Cookie'] }, 'forbidden_request_header'],
  ]
  for (const [opts, code] of cases) {
    assert.throws(
      () => corsgate(opts),
      (e) => e.code === code && Array.isArray(e.errors) && e.errors[0].code === code,
      code,
    )
  }
})

test("config errors name the options the user wrote, not the policy's fields", async () => {
  const lines = (e) => e.message.split('\n').slice(1).map((l) => l.trim().split(': ')[0])
  const opts = {
    origin: ['https://a.com', /^https:\/\/b\.com$/, 'https://*x.com'],
    methods: 'PUT, bad method',
    allowedHeaders: ['x-a', 'bad header'],
    exposedHeaders: ['set-cookie'],
    maxAge: 'soon',
    optionsSuccessStatus: 404,
  }
  const want = [
    'maxAge',
    'origin[2] "https://*x.com"',
    'methods[1] "bad method"',
    'allowedHeaders[1] "bad header"',
    'exposedHeaders[0] "set-cookie"',
    'optionsSuccessStatus',
  ]
  const expressError = (() => {
    try {
      corsgate(opts)
    } catch (e) {
      return e
    }
    assert.fail('the options are invalid')
  })()
  assert.deepEqual(lines(expressError), want)
  assert.match(expressError.message, /^corsgate: invalid policy \(6 errors\)\n/)
  assert.deepEqual(expressError.options, ['maxAge', 'origin[2]', 'methods[1]', 'allowedHeaders[1]', 'exposedHeaders[0]', 'optionsSuccessStatus'])
  // The core's diagnostics are kept as they are (policy fields, for programs).
  assert.deepEqual(expressError.errors.map((d) => d.field), ['max_age', 'origins', 'methods', 'request_headers', 'expose_headers', 'preflight_status'])
  assert.equal(expressError.code, 'invalid_type')

  // @fastify/cors takes the same option names.
  const f = Fastify()
  f.register(corsgateFastify, opts)
  const fastifyError = await f.ready().then(
    () => assert.fail('the options are invalid'),
    (e) => e,
  )
  assert.deepEqual(lines(fastifyError), want)
  await f.close()

  // A single value has no index; `headers` (cors' alias) is named as written; an option
  // left out is named as a default.
  assert.throws(
    () => corsgate({ origin: 'https://*x.com', headers: 'a, b c' }),
    (e) => assert.deepEqual(e.options, ['origin', 'headers[1]']) ?? true,
  )
  assert.throws(
    () => corsgate({ credentials: true }),
    (e) => e.message.includes('\n  origin (default) "*": any_origin_with_credentials'),
  )
  // A policy object keeps the policy's own words.
  assert.throws(
    () => corsgate({ origins: ['https://a.com'], methods: ['bad method'] }),
    (e) => e.message.includes('\n  methods[0] "bad method"') && e.options === undefined,
  )
})

test("policy warnings name the options the user wrote, not the policy's fields", async () => {
  const opts = { origin: ['https://a.com', 'https://*.github.io'] }
  // onWarning: the core's diagnostic, plus the option behind it.
  const seen = []
  corsgate({ ...opts, onWarning: (d) => seen.push(d) })
  assert.deepEqual(seen.map((d) => [d.code, d.field, d.index, d.option]), [['public_suffix_wildcard_uncredentialed', 'origins', 1, 'origin[1]']])
  // process.emitWarning: the message names the option.
  const emitted = []
  const listener = (w) => { if (w.code === 'CORSGATE_POLICY_WARNING') emitted.push(w.message) }
  process.on('warning', listener)
  try {
    corsgate(opts)
    const f = Fastify()
    f.register(corsgateFastify, opts)
    await f.ready()
    await f.close()
    await new Promise((resolve) => setImmediate(resolve)) // warnings are emitted on next tick
  } finally {
    process.off('warning', listener)
  }
  assert.equal(emitted.length, 2)
  for (const m of emitted) assert.match(m, /^corsgate: policy warning: origin\[1\] "https:\/\/\*\.github\.io": public_suffix_wildcard_uncredentialed: /)
  // A policy object keeps the policy's own words.
  const own = []
  corsgate({ origins: opts.origin, onWarning: (d) => own.push(d) })
  assert.deepEqual(own.map((d) => [d.text.split(' ')[0], d.option]), [['origins[1]', undefined]])
})

/** Runs a connect-style middleware on a fake request; returns what a browser sees. */
function run(mw, method, reqLines) {
  const headers = {}
  for (const [n, v] of reqLines) headers[n.toLowerCase()] = v
  const req = { method, headers, rawHeaders: reqLines.flat(), url: '/' }
  const out = new Map()
  const res = {
    statusCode: 200,
    getHeader: (n) => out.get(n.toLowerCase())?.[1],
    getHeaderNames: () => [...out.keys()],
    setHeader: (n, v) => out.set(n.toLowerCase(), [n, v]),
    removeHeader: (n) => out.delete(n.toLowerCase()),
    writeHead(status) {
      this.statusCode = status
    },
    end() {
      this.ended = true
    },
  }
  let nextCalled = false
  mw(req, res, () => {
    nextCalled = true
  })
  // The application answers: the head is written (the middleware applies its decision).
  if (nextCalled) res.writeHead(res.statusCode)
  const lines = []
  for (const [, [n, v]] of out) for (const x of [].concat(v)) lines.push([n, String(x)])
  return { status: res.statusCode, lines, nextCalled }
}

test('same browser verdicts as the cors package for the same options', () => {
  const optionSets = [
    { origin: 'https://example.com' },
    { origin: ['https://example.com', /^https:\/\/[a-z]+\.example\.org$/], credentials: true, methods: ['PUT'] },
    { origin: 'https://example.com', allowedHeaders: 'content-type,x-a', credentials: true },
    {},
    { origin: true },
  ]
  const requests = [
    ['GET', [['Origin', 'https://example.com']]],
    ['GET', [['Origin', 'https://evil.com']]],
    ['POST', [['Origin', 'https://api.example.org']]],
    ['GET', [['Origin', 'https://api.example.org.evil.com']]],
    ['OPTIONS', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT']]],
    ['OPTIONS', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type']]],
    ['OPTIONS', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'x-b']]],
    ['OPTIONS', [['Origin', 'https://evil.com'], ['Access-Control-Request-Method', 'PUT']]],
    ['GET', []],
  ]
  let compared = 0
  for (const opts of optionSets) {
    const ours = corsgate(opts)
    const theirs = corsPkg(opts)
    const credentials = opts.credentials === true
    for (const [method, lines] of requests) {
      const a = run(ours, method, lines)
      const b = run(theirs, method, lines)
      const kind = lines.length === 0 ? 'not_cors' : method === 'OPTIONS' ? 'preflight' : 'actual'
      const args = { credentials, request: lines, kind }
      const [va, vb] = verdicts([
        { ...args, status: a.status, headers: a.lines },
        { ...args, status: b.status, headers: b.lines },
      ])
      const where = `${JSON.stringify(opts)} ${method} ${JSON.stringify(lines)}`
      assert.equal(va.allowed, vb.allowed, `${where}: corsgate ${va.why} / cors ${vb.why}`)
      assert.equal(a.nextCalled, b.nextCalled, `${where}: next()`)
      compared++
    }
  }
  assert.equal(compared, optionSets.length * requests.length)
})

test('origin: false turns CORS off like cors; setPolicy turns it on', () => {
  const mw = corsgate({ origin: false })
  const r = run(mw, 'OPTIONS', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT']])
  assert.equal(r.nextCalled, true)
  assert.deepEqual(r.lines, [])
  assert.equal(mw.policy, null)
  mw.setPolicy({ origins: ['https://example.com'], methods: ['PUT'] })
  const r2 = run(mw, 'OPTIONS', [['Origin', 'https://example.com'], ['Access-Control-Request-Method', 'PUT']])
  assert.equal(r2.nextCalled, false)
  assert.equal(r2.status, 204)
})
