'use strict'
// policy.evaluate takes the numeric path (lib/evaluate.js, src/encode.rs): its answer
// must be the addon's own Decision object, field for field, for every shape of input.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Policy } = require('../index.js')
const { nativeEvaluate, stringsOf, crossing, tableFor, SPELLINGS, select, stateOf, decideInto, OUT } = require('../lib/evaluate.js')
const native = require('../binding.js')
const { requestHeaderNames } = require('../index.js')
const { loadVectors } = require('./support/vectors.js')

const NOISE = [
  ['Host', 'api.example.com'],
  ['Accept', '*/*'],
  ['Cookie', 'a=b'],
  ['Sec-Fetch-Mode', 'cors'],
  ['Access-Control-Request-Methods', 'PUT'],
]

/** Both paths on one request; equal as JSON (same fields, same order) and deeply. */
function same(policy, method, headers, what) {
  const fast = policy.evaluate(method, headers)
  const slow = nativeEvaluate.call(policy, method, headers)
  assert.deepEqual(fast, slow, what)
  assert.equal(JSON.stringify(fast), JSON.stringify(slow), what)
  return fast
}

test('evaluate equals the addon on every vector, in every header shape, with noise', () => {
  let n = 0
  for (const v of loadVectors()) {
    if (v.expect.config_error) continue
    const policy = new Policy(v.policy)
    const lines = v.request.headers
    for (const shaped of [lines, [...NOISE.slice(0, 2), ...lines, ...NOISE.slice(2)]]) {
      // Twice: the second answer comes from the policy's string cache.
      for (let round = 0; round < 2; round++) {
        same(policy, v.request.method, shaped, v.id)
        same(policy, v.request.method, shaped.flat(), v.id)
        const obj = {}
        for (const [name, value] of shaped) {
          const k = name.toLowerCase()
          obj[k] = obj[k] === undefined ? value : [].concat(obj[k], value)
        }
        same(policy, v.request.method, obj, v.id)
        n++
      }
    }
  }
  assert.ok(n >= 4 * 190, `${n} comparisons`)
})

/** `name` with its letters' case flipped at every `step`-th position (ASCII only). */
function recase(name, step) {
  let out = ''
  for (let i = 0; i < name.length; i++) {
    const ch = name[i]
    out += i % step === 0 ? (ch === ch.toLowerCase() ? ch.toUpperCase() : ch.toLowerCase()) : ch
  }
  return out
}

test('header names in any case cross; look-alikes and other lines never change the answer', () => {
  // Every spelling of a name the core reads crosses, as a number only for the exact
  // spellings the addon knows (which stand for the same bytes).
  const all = tableFor(requestHeaderNames())
  for (const name of requestHeaderNames()) {
    for (const spelling of [name, name.toLowerCase(), name.toUpperCase(), recase(name, 2), recase(name, 3)]) {
      const c = crossing(spelling, all)
      assert.notEqual(c, undefined, spelling)
      if (typeof c === 'number') assert.equal(SPELLINGS[c], spelling)
      else assert.equal(c, spelling)
    }
  }
  // Names the core does not read: dropped, or (same length, same checked letters) passed
  // on for the core to compare.
  for (const other of ['Accept', 'Cookie', 'Hos', 'Origins', 'Orig-n', 'Orıgin', 'Or\u0130gin', 'Ho\u212At', 'O\u0000igin']) {
    const c = crossing(other, all)
    assert.ok(c === undefined || c === other, other)
  }
  let n = 0
  for (const v of loadVectors()) {
    if (v.expect.config_error) continue
    const policy = new Policy(v.policy)
    for (const step of [1, 2, 3]) {
      const lines = v.request.headers.map(([name, value]) => [recase(name, step), value])
      // Look-alike names carrying values that would change the decision if read.
      const noisy = [['Orıgin', 'https://evil.example'], ...lines, ['Origin\u0000', 'https://evil.example'], ['Access-Control-Request-Methoď', 'DELETE']]
      for (const shaped of [lines, noisy]) {
        same(policy, v.request.method, shaped, `${v.id} step ${step}`)
        same(policy, v.request.method, shaped.flat(), `${v.id} step ${step}`)
        n++
      }
    }
  }
  assert.ok(n >= 6 * 190, `${n} comparisons`)
})

test('many lines, NUL bytes and odd input take the joined form or the addon', () => {
  const policy = new Policy({ origins: ['https://a.example'], methods: ['PUT'], request_headers: ['x-a', 'x-b'] })
  const acrh = Array.from({ length: 6 }, () => ['Access-Control-Request-Headers', 'x-a'])
  same(policy, 'OPTIONS', [['Origin', 'https://a.example'], ['Access-Control-Request-Method', 'PUT'], ...acrh], 'six ACRH lines')
  same(policy, 'OPTIONS', [['Origin', 'https://a.example\0Access-Control-Request-Method\0PUT'], ...acrh], 'NUL, joined form')
  same(policy, 'GET', [['Origin', 'https://a.example\0x']], 'NUL, direct form')
  same(policy, 'OPTIONS', [['Origin', 'https://a.example'], ['Access-Control-Request-Method', 'PATCH']], 'a refused method')
  same(policy, 'OPTIONS', [['Origin', 'https://a.example'], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'x-a, x-ö']], 'non-ASCII')
  same(policy, 'GET', [['Origin', 'https://ä.example']], 'non-ASCII origin')
  same(policy, 'GET', undefined, 'no headers')
  same(policy, 'GET', [], 'empty')
  for (const bad of [[['Origin', 5]], ['Origin'], ['Origin', 5], 'Origin: x', 42, { origin: 5 }, { origin: [5] }]) {
    assert.throws(() => policy.evaluate('GET', bad), TypeError)
  }
  assert.throws(() => policy.evaluate(42, []), TypeError)
  assert.throws(() => Policy.prototype.evaluate.call({}, 'GET', []))
})

test('a frozen policy still answers; the string cache stays bounded by the policy', () => {
  const origins = Array.from({ length: 50 }, (_, i) => `https://app${i}.example`)
  const policy = Object.freeze(new Policy({ origins, max_age: 60 }))
  for (const o of origins) same(policy, 'GET', [['Origin', o]], o)
  const open = new Policy({ origins })
  for (let round = 0; round < 3; round++) for (const o of origins) same(open, 'GET', [['Origin', o]], o)
  for (let i = 0; i < 200; i++) same(open, 'GET', [['Origin', `https://x${i}.evil.example`]], 'unlisted')
  // Per origin: its reason text and its pattern; plus a few static texts. Unlisted
  // origins add nothing (their Origin value is never cached).
  const size = stringsOf(open).length
  assert.ok(size <= 2 * origins.length + 16, `${size} cached strings`)
})

test('a policy without cross-origin protection is sent only the CORS lines', () => {
  const raw = ['Host', 'api.example.com', 'Sec-Fetch-Site', 'cross-site', 'Upgrade', 'websocket', 'Origin', 'https://a.example']
  const plain = new Policy({ origins: ['https://a.example'] })
  const guarded = new Policy({ origins: ['https://a.example'], cross_origin_protection: true })
  // The lines each policy reads, from the core (`Policy::request_header_names`).
  assert.deepEqual(native.policyRequestHeaderNames(plain), requestHeaderNames().slice(0, 4))
  assert.deepEqual(native.policyRequestHeaderNames(guarded), requestHeaderNames())
  assert.equal(select('GET', raw, stateOf(plain).table).length, 3)
  assert.equal(select('GET', raw, stateOf(guarded).table).length, 9)
  for (const method of ['GET', 'POST', 'DELETE']) {
    for (const origin of ['https://a.example', 'https://evil.example', 'null']) {
      const lines = [...raw.slice(0, 6), 'Origin', origin]
      same(plain, method, lines, `${method} ${origin}`)
      same(guarded, method, lines, `${method} ${origin} (protected)`)
    }
  }
})

test('a policy crosses as its id; ids of collected policies name no policy or a live one', async () => {
  const v8 = require('node:v8')
  const vm = require('node:vm')
  v8.setFlagsFromString('--expose-gc')
  const gc = vm.runInNewContext('gc')
  const policy = new Policy({ origins: ['https://a.example'] })
  const id = native.policyId(policy)
  assert.equal(typeof id, 'number')
  assert.equal(stateOf(policy).ref, id)
  // The id and the object itself decide alike.
  const sel = select('GET', ['Origin', 'https://a.example'], stateOf(policy).table)
  for (const ref of [id, policy]) {
    decideInto({ ...stateOf(policy), ref }, sel)
    assert.equal(OUT[1], 1)
  }
  // Anything else is a TypeError, never a crash: unknown ids, non-policies.
  for (const bad of [4294967295, 1e6, -1, {}, Object.create(Policy.prototype), null, 'x']) {
    assert.throws(() => native.evaluateInto(bad, 'GET'), TypeError, String(bad))
  }
  // Collected policies free their ids for new ones; every answer stays its own policy's.
  const ids = new Set()
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 300; i++) {
      const p = new Policy({ origins: [`https://r${round}-${i}.example.com`] })
      ids.add(native.policyId(p))
      assert.equal(p.evaluate('GET', ['Origin', `https://r${round}-${i}.example.com`]).allowed, true)
      assert.equal(p.evaluate('GET', ['Origin', 'https://a.example']).allowed, false)
    }
    gc()
    // Node-API finalizers run after the collection, from the event loop.
    for (let k = 0; k < 3; k++) await new Promise(setImmediate)
  }
  assert.ok(ids.size < 4 * 300, `${ids.size} ids for 1,200 policies`)
  assert.equal(policy.evaluate('GET', ['Origin', 'https://a.example']).allowed, true)
  assert.equal(native.policyId(policy), id)
})
