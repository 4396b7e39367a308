'use strict'
// Every shared conformance vector (v1, and v2 but for features not here yet) through the
// Node API: evaluate() for each way of compiling the policy, judged by corsgate-judge as
// a browser would; decideCompact() and evaluateJson() must say the same.

const test = require('node:test')
const assert = require('node:assert/strict')
const { Policy, PolicySet } = require('../index.js')
// internal: the middleware's fallback forms
const { decideCompact, decideSetCompact } = require('../binding.js')
const { suiteVectors, observation, judgeAll, assertAllPassed, isSet } = require('./support/judge.js')

const vectors = suiteVectors('node-api')
const KINDS = ['not_cors', 'preflight', 'actual', 'refused']
const observations = []

test('the shared vectors file is complete', () => {
  assert.ok(vectors.length >= 212, `only ${vectors.length} vectors`)
  assert.equal(new Set(vectors.map((v) => v.id)).size, vectors.length, 'ids are unique')
})

/** Compiles the vector's policy (or policy set) three ways; all must agree. */
function compile(v) {
  const Class = isSet(v) ? PolicySet : Policy
  const a = new Class(v.policy)
  const b = new Class(JSON.stringify(v.policy))
  const c = new Class(Buffer.from(JSON.stringify(v.policy)))
  return [a, b, c]
}

for (const v of vectors) {
  test(`vectors/${v.id}`, () => {
    const Class = isSet(v) ? PolicySet : Policy
    if (v.expect.config_error) {
      for (const input of [v.policy, JSON.stringify(v.policy)]) {
        assert.throws(
          () => new Class(input),
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
              assert.equal(typeof d.path, 'string')
            }
            // Errors of a set are named by their paths (policies.acme.origins[1], …).
            for (const want of v.expect.error_contains ?? []) {
              assert.ok(e.message.includes(want), `message names ${want}: ${e.message}`)
              assert.ok(e.errors.some((d) => d.text.includes(want)), `an error names ${want}`)
            }
            return true
          },
        )
      }
      observations.push(observation(v.id, 'node-api', { config_error: true }))
      return
    }
    const { method, headers } = v.request
    const set = isSet(v)
    // A set's evaluate takes the path (absent: '/', as the vectors' default).
    const args = set && v.request.path !== undefined ? [method, headers, v.request.path] : [method, headers]
    for (const [way, policy] of compile(v).entries()) {
      const d = policy.evaluate(...args)
      const seen = {
        kind: d.kind,
        allowed: d.allowed,
        status: d.status,
        headers: d.headers,
        reason_code: d.reasonCode,
      }
      if (set) Object.assign(seen, { policy: d.policy, route: d.route })
      observations.push(observation(v.id, `node-api-${['object', 'string', 'buffer'][way]}`, seen))
      // The compact form (what the middleware uses) gives the same answer.
      const c = set ? decideSetCompact(policy, ...args) : decideCompact(policy, method, headers)
      assert.equal(KINDS[c[0]], d.kind)
      assert.equal(c[1], d.allowed)
      assert.equal(c[2], d.status)
      const pairs = []
      for (let i = 3; i < c.length; i += 2) pairs.push([c[i], c[i + 1]])
      assert.deepEqual(pairs, d.headers)
      // The JSON line (the CLI's format) says the same.
      const j = JSON.parse(policy.evaluateJson(...args))
      const line = {
        kind: d.kind,
        allowed: d.allowed,
        status: d.status,
        headers: d.headers,
        reason: d.reason,
        reason_code: d.reasonCode,
      }
      if (set) Object.assign(line, { policy: d.policy, route: d.route })
      assert.deepEqual(j, line)
      // rawHeaders shape: same request, same answer.
      const flat = headers.flat()
      assert.deepEqual(policy.evaluate(method, flat, ...args.slice(2)), d)
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
