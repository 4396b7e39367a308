'use strict'
// A value that holds a NUL must never be read as a request with more lines (the joined
// form of the middleware's decision, and the memo it once had, keyed by the lines).
const test = require('node:test')
const assert = require('node:assert')
const { Policy, decide } = require('../lib/shared.js')

test('a NUL inside a value does not alias a request with more header lines', () => {
  const policy = new Policy({ origins: ['https://a.example'], methods: ['PUT'] })
  const split = { method: 'OPTIONS', rawHeaders: ['Origin', 'https://a.example', 'Access-Control-Request-Method', 'PUT'] }
  const joined = { method: 'OPTIONS', rawHeaders: ['Origin', 'https://a.example\0Access-Control-Request-Method\0PUT'] }
  const first = decide(policy, split)
  assert.strictEqual(first[0], '11204', 'the two-line preflight is allowed')
  const second = decide(policy, joined)
  // One Origin line holding NUL bytes: a malformed actual request, denied.
  assert.strictEqual(second[0], '20', `got ${JSON.stringify(second)}`)
  assert.ok(!second.includes('Access-Control-Allow-Origin'))
})
