'use strict'
// Every shared conformance vector (v1, and v2 but for features not here yet) through the
// Node API: evaluate() for each way of compiling the policy, judged by corsgate-judge as
// a browser would; decideCompact() and evaluateJson() must say the same.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Policy } = require('../index.js')
const { decideCompact } = require('../binding.js') // internal: the middleware's fallback form
const { suiteVectors, observation, judgeAll, assertAllPassed } = require('./support/judge.js')

const vectors = suiteVectors('node-api')
const KINDS = ['not_cors', 'preflight', 'actual', 'refused']
const observations = []

test('the shared vectors file is complete', () => {
  assert.ok(vectors.length >= 212, `only ${vectors.length} vectors`)
  assert.equal(new Set(vectors.map((v) => v.id)).size, vectors.length, 'ids are unique')
})

/** Compiles the vector's policy three ways; all must agree. */
function compile(v) {
  const a = new Policy(v.policy)
  const b = new Policy(JSON.stringify(v.policy))
  const c = new Policy(Buffer.from(JSON.stringify(v.policy)))
  return [a, b, c]
}

for (const v of vectors) {
  test(`vectors/${v.id}`, () => {
    if (v.expect.config_error) {
      for (const input of [v.policy, JSON.stringify(v.policy)]) {
        assert.throws(
          () => new Policy(input),
          (e) => {
            assert.ok(e instanceof Error)
            assert.equal(typeof e.code, 'string')
            assert.match(e.code, /^[a-z_]+$/)
            assert.ok(Array.isArray(e.errors) && e.errors.length > 0, 'errors array')
            assert.equal(e.code, e.errors[0].code)
            for (const d of e.errors) {
              assert.equal(d.severity, 'error')
              assert.ok(d.message.length > 0)
              assert.ok(e.message.includes(d.message), 'message lists each error')
            }
            return true
          },
        )
      }
      observations.push(observation(v.id, 'node-api', { config_error: true }))
      return
    }
    const { method, headers } = v.request
    for (const [way, policy] of compile(v).entries()) {
      const d = policy.evaluate(method, headers)
      observations.push(
        observation(v.id, `node-api-${['object', 'string', 'buffer'][way]}`, {
          kind: d.kind,
          allowed: d.allowed,
          status: d.status,
          headers: d.headers,
          reason_code: d.reasonCode,
        }),
      )
      // The compact form (what the middleware uses) gives the same answer.
      const c = decideCompact(policy, method, headers)
      assert.equal(KINDS[c[0]], d.kind)
      assert.equal(c[1], d.allowed)
      assert.equal(c[2], d.status)
      const pairs = []
      for (let i = 3; i < c.length; i += 2) pairs.push([c[i], c[i + 1]])
      assert.deepEqual(pairs, d.headers)
      // The JSON line (the CLI's format) says the same.
      const j = JSON.parse(policy.evaluateJson(method, headers))
      assert.deepEqual(j, {
        kind: d.kind,
        allowed: d.allowed,
        status: d.status,
        headers: d.headers,
        reason: d.reason,
        reason_code: d.reasonCode,
      })
      // rawHeaders shape: same request, same answer.
      const flat = headers.flat()
      assert.deepEqual(policy.evaluate(method, flat), d)
    }
  })
}

test('corsgate-judge accepts every observation', () => {
  const configs = vectors.filter((v) => v.expect.config_error).length
  assert.equal(observations.length, 3 * vectors.length - 2 * configs)
  assertAllPassed(assert, judgeAll(observations), observations.length)
})

test('corsgate-judge sees a tampered answer', () => {
  const good = observations.find((o) => o.observed.kind === 'actual' && o.observed.allowed)
  const bad = structuredClone(good)
  bad.via = 'tampered'
  bad.observed.headers = bad.observed.headers.filter(([n]) => n !== 'Access-Control-Allow-Origin')
  const r = judgeAll([good, bad])
  assert.deepEqual([r.status, r.passed, r.failed], [1, 1, 1], r.summary)
  assert.match(r.failures[0], /tampered/)
})
