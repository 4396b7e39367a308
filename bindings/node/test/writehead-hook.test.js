'use strict'
// The `writeHead` hook of lib/shared.js: one decision per hook, applied once, and two
// corsgate middlewares on one response (with or without another package's `writeHead`
// wrapper in between) both apply, in turn, without looping: the hook made last runs
// first, so the first middleware's decision is applied last (the core's rule then
// replaces the policy's lines with its own).

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const net = require('node:net')
const { Policy } = require('../index.js')
const { decide, applyOnWriteHead } = require('../lib/shared.js')

const A = new Policy({ origins: ['https://a.example'] })
const B = new Policy({ origins: ['https://a.example'], expose_headers: ['x-b'] })

function request() {
  const m = new http.IncomingMessage(new net.Socket())
  m.method = 'GET'
  m.url = '/'
  m.rawHeaders = ['Origin', 'https://a.example']
  m.headers = { origin: 'https://a.example' }
  return m
}

test('a hooked response gets the decision once, at its head', () => {
  const req = request()
  const res = new http.ServerResponse(req)
  applyOnWriteHead(res, decide(A, req))
  res.setHeader('Vary', 'Accept-Encoding')
  res.writeHead(200)
  assert.equal(res.getHeader('access-control-allow-origin'), 'https://a.example')
  assert.match(String(res.getHeader('vary')), /Accept-Encoding.*Origin/)
})

for (const between of [false, true]) {
  test(`two decisions on one response${between ? ', another wrapper in between' : ''}`, () => {
    const req = request()
    const res = new http.ServerResponse(req)
    applyOnWriteHead(res, decide(B, req))
    let wrapperCalls = 0
    if (between) {
      const inner = res.writeHead
      res.writeHead = function other() {
        wrapperCalls++
        return inner.apply(this, arguments)
      }
    }
    applyOnWriteHead(res, decide(A, req))
    res.writeHead(200)
    assert.equal(res.getHeader('access-control-allow-origin'), 'https://a.example')
    assert.equal(res.getHeader('access-control-expose-headers'), 'x-b')
    assert.equal(wrapperCalls, between ? 1 : 0)
  })
}
