'use strict'
// Cross-origin protection through the Node middleware, over real loopback servers: a
// refused request gets the decision's 403 and `Vary: Origin` and the application is not
// called (its own record shows it), through node:http, Express and Fastify; WebSocket
// handshakes to a `ws` server are refused by `guardUpgrade` (whatever the order of the
// `upgrade` listeners) or by `checkUpgrade` in a `noServer` setup, while trusted ones
// connect. The shared cop- vectors run in vectors.test.js and servers.test.js.

const test = require('node:test')
const assert = require('node:assert/strict')
const http = require('node:http')
const net = require('node:net')
const crypto = require('node:crypto')
const express = require('express')
const Fastify = require('fastify')
const { WebSocket, WebSocketServer } = require('ws')
const { Policy } = require('../index.js')
const cors = require('../express.js')
const { withCors, guardUpgrade, checkUpgrade } = require('../http.js')
const corsgateFastify = require('../fastify.js')
const { rawRequest, listen, close } = require('./support/http-client.js')

const TRUSTED = 'https://app.example.com'
const EVIL = 'https://evil.example.net'
const HOST = 'api.example.com'
const CONFIG = { origins: [TRUSTED], credentials: true, methods: ['PUT', 'DELETE'], cross_origin_protection: true }

// [method, header lines, refused]
const HTTP_CASES = [
  ['POST', [['Host', HOST], ['Origin', EVIL], ['Sec-Fetch-Site', 'cross-site'], ['Content-Type', 'application/x-www-form-urlencoded']], true],
  ['DELETE', [['Host', HOST], ['Origin', EVIL]], true], // an old browser: no Sec-Fetch-Site
  ['POST', [['Host', HOST], ['Origin', 'null'], ['Sec-Fetch-Site', 'cross-site']], true],
  ['PUT', [['Host', HOST], ['Origin', TRUSTED], ['Sec-Fetch-Site', 'same-site']], false],
  ['POST', [['Host', HOST], ['Origin', `https://${HOST}`], ['Sec-Fetch-Site', 'same-origin']], false],
  ['POST', [['Host', HOST], ['Origin', `https://${HOST}`]], false], // old browser, same origin
  ['POST', [['Host', HOST]], false], // not a browser
  ['GET', [['Host', HOST], ['Origin', EVIL], ['Sec-Fetch-Site', 'cross-site']], false],
]

const lines = (headers, name) => headers.filter(([n]) => n.toLowerCase() === name).map(([, v]) => v)

async function checkHttp(port, record, via) {
  for (const [method, headers, refused] of HTTP_CASES) {
    const before = record.length
    const r = await rawRequest(port, method, '/w', headers)
    if (refused) {
      assert.equal(r.status, 403, `${via} ${method} ${JSON.stringify(headers)}`)
      assert.equal(r.body, '')
      assert.deepEqual(lines(r.headers, 'vary'), ['Origin'], `${via}: ${JSON.stringify(r.headers)}`)
      assert.deepEqual(lines(r.headers, 'x-app'), [])
      assert.equal(r.headers.filter(([n]) => /^access-control-/i.test(n)).length, 0)
      assert.equal(record.length, before, `${via}: the application was called for a refused ${method}`)
    } else {
      assert.equal(r.status, 200, `${via} ${method} ${JSON.stringify(headers)}`)
      assert.deepEqual(record.slice(before), [method], via)
    }
  }
}

test('node:http withCors refuses without calling the handler', async () => {
  const record = []
  const server = http.createServer(
    withCors(CONFIG, (req, res) => {
      record.push(req.method)
      res.setHeader('X-App', '1')
      res.end('written')
    }),
  )
  const port = await listen(server)
  try {
    await checkHttp(port, record, 'node:http')
  } finally {
    await close(server)
  }
})

test('Express refuses before the routes', async () => {
  const record = []
  const app = express()
  app.use(cors({ policy: CONFIG }))
  app.all('/w', (req, res) => {
    record.push(req.method)
    res.set('X-App', '1').send('written')
  })
  const server = http.createServer(app)
  const port = await listen(server)
  try {
    await checkHttp(port, record, 'express')
  } finally {
    await close(server)
  }
})

test('Fastify refuses in its onRequest hook', async () => {
  const record = []
  const fastify = Fastify()
  await fastify.register(corsgateFastify, CONFIG)
  fastify.route({
    method: ['GET', 'POST', 'PUT', 'DELETE'],
    url: '/w',
    handler: async (req, reply) => {
      record.push(req.method)
      reply.header('X-App', '1').send('written')
    },
  })
  await fastify.listen({ port: 0, host: '127.0.0.1' })
  try {
    await checkHttp(fastify.server.address().port, record, 'fastify')
  } finally {
    await fastify.close()
  }
})

/** A raw WebSocket handshake; resolves `{ status, headers, closed }` once the server answered and closed (or switched). */
function handshake(port, headerLines) {
  return new Promise((resolve, reject) => {
    const key = crypto.randomBytes(16).toString('base64')
    const head = ['GET /ws HTTP/1.1', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${key}`,
      'Sec-WebSocket-Version: 13', ...headerLines.map(([n, v]) => `${n}: ${v}`), '', ''].join('\r\n')
    const sock = net.connect({ host: '127.0.0.1', port }, () => sock.write(head))
    let data = ''
    sock.setTimeout(5000, () => sock.destroy(new Error('handshake timeout')))
    sock.on('data', (d) => {
      data += d.toString('latin1')
      const end = data.indexOf('\r\n\r\n')
      if (end >= 0 && data.startsWith('HTTP/1.1 101')) {
        sock.destroy()
        resolve(parse(data.slice(0, end), false))
      }
    })
    sock.on('error', reject)
    sock.on('close', () => {
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return reject(new Error(`no response head: ${JSON.stringify(data)}`))
      resolve(parse(data.slice(0, end), true, data.slice(end + 4)))
    })
  })
}

function parse(head, closed, body = '') {
  const [statusLine, ...rest] = head.split('\r\n')
  const headers = rest.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()])
  return { status: Number(statusLine.split(' ')[1]), headers, closed, body }
}

/** A `ws` server on an http.Server; `connections` records the Origin of each accepted socket. */
async function wsServer(setup) {
  const server = http.createServer((req, res) => res.end('http'))
  const connections = []
  setup(server, (wss) =>
    wss.on('connection', (ws, req) => {
      connections.push(req.headers.origin ?? '')
      ws.send('hello')
    }),
  )
  const port = await listen(server)
  return { server, port, connections }
}

async function checkHandshakes(port, connections) {
  // Chromium's handshakes carry Origin but no Sec-Fetch-Site: step 3 decides them.
  for (const origin of [EVIL, 'null', `http://${HOST}:8443`]) {
    const r = await handshake(port, [['Host', HOST], ['Origin', origin]])
    assert.equal(r.status, 403, origin)
    assert.deepEqual(lines(r.headers, 'vary'), ['Origin'])
    assert.ok(r.closed && r.body === '', 'the socket is closed after the answer')
  }
  assert.deepEqual(connections, [], 'a refused handshake reached the ws server')
  for (const headers of [[['Host', HOST], ['Origin', TRUSTED]], [['Host', HOST], ['Origin', `http://${HOST}`]], [['Host', HOST]]]) {
    const r = await handshake(port, headers)
    assert.equal(r.status, 101, JSON.stringify(headers))
  }
  // A real client, trusted origin: the message arrives.
  const got = await new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: TRUSTED })
    ws.on('message', (m) => {
      ws.close()
      resolve(String(m))
    })
    ws.on('error', reject)
  })
  assert.equal(got, 'hello')
  // ... and from an untrusted origin, the client sees the 403.
  const refused = await new Promise((resolve) => {
    const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { origin: EVIL })
    ws.on('unexpected-response', (req, res) => {
      resolve(res.statusCode)
      req.destroy()
    })
    ws.on('open', () => resolve('open'))
    ws.on('error', () => {})
  })
  assert.equal(refused, 403)
  assert.equal(connections.length, 4)
}

test('guardUpgrade before the ws server attaches', async () => {
  const { server, port, connections } = await wsServer((srv, wire) => {
    guardUpgrade(srv, new Policy(CONFIG))
    wire(new WebSocketServer({ server: srv }))
  })
  try {
    await checkHandshakes(port, connections)
  } finally {
    await close(server)
  }
})

test('guardUpgrade after the ws server attached; setPolicy and remove', async () => {
  let guard
  const { server, port, connections } = await wsServer((srv, wire) => {
    wire(new WebSocketServer({ server: srv }))
    guard = guardUpgrade(srv, CONFIG)
  })
  try {
    await checkHandshakes(port, connections)
    // Hot reload: the evil origin is now trusted.
    guard.setPolicy({ ...CONFIG, origins: [EVIL] })
    assert.equal((await handshake(port, [['Host', HOST], ['Origin', EVIL]])).status, 101)
    assert.equal((await handshake(port, [['Host', HOST], ['Origin', TRUSTED]])).status, 403)
    // Without the guard nothing is refused.
    guard.remove()
    assert.equal((await handshake(port, [['Host', HOST], ['Origin', TRUSTED]])).status, 101)
    assert.ok(!Object.prototype.hasOwnProperty.call(server, 'emit'), 'emit restored')
  } finally {
    await close(server)
  }
})

test('checkUpgrade in a noServer setup', async () => {
  const policy = new Policy(CONFIG)
  const { server, port, connections } = await wsServer((srv, wire) => {
    const wss = new WebSocketServer({ noServer: true })
    wire(wss)
    srv.on('upgrade', (req, socket, head) => {
      if (checkUpgrade(policy, req, socket)) return
      wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req))
    })
  })
  try {
    await checkHandshakes(port, connections)
  } finally {
    await close(server)
  }
})

test('guardUpgrade rejects what is not a server', () => {
  assert.throws(() => guardUpgrade(null, CONFIG), { code: 'ERR_INVALID_ARG_TYPE' })
  assert.throws(() => guardUpgrade({}, CONFIG), { code: 'ERR_INVALID_ARG_TYPE' })
})

test('the decision: kind refused, 403, Vary: Origin', () => {
  const d = new Policy(CONFIG).evaluate('POST', [['Host', HOST], ['Origin', EVIL], ['Sec-Fetch-Site', 'cross-site']])
  assert.deepEqual(
    { kind: d.kind, allowed: d.allowed, status: d.status, headers: d.headers, reasonCode: d.reasonCode },
    { kind: 'refused', allowed: false, status: 403, headers: [['Vary', 'Origin']], reasonCode: 'cross_origin_request_refused' },
  )
  // Off by default: the same request is an actual request the application answers.
  assert.equal(new Policy({ ...CONFIG, cross_origin_protection: false }).evaluate('POST', [['Host', HOST], ['Origin', EVIL]]).kind, 'actual')
})
