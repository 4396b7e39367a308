'use strict'
// The Node runtime of the e2e suite: an Express app behind corsgate's Express middleware
// (bindings/node), /api/* with policy.json and /star/* with policy-star.json.
// The same app also listens, without any CORS middleware, on a second port: the upstream
// that nginx proxies to (the nginx module then adds the CORS headers).
//
//   node node-api.js CORS_PORT PLAIN_PORT
const path = require('node:path')
const http = require('node:http')

const REPO = path.resolve(__dirname, '..', '..')
const NODE_BINDING = path.join(REPO, 'bindings', 'node')
const express = require(require.resolve('express', { paths: [NODE_BINDING] }))
const { Policy } = require(NODE_BINDING)
const cors = require(path.join(NODE_BINDING, 'express.js'))

const RUNTIME = process.env.E2E_RUNTIME_NAME || 'node'

/** The application: what every runtime serves (see app.py for the Python twin). */
function routes(app, name) {
  app.use(express.text({ type: () => true, limit: '64kb' }))
  app.all(['/api/echo', '/star/echo'], (req, res) => {
    res.set({
      'Content-Type': 'application/json',
      'Cache-Control': 'no-store',
      'X-Request-Id': 'rid-e2e',
      'X-Secret': 'hidden',
    })
    res.send(JSON.stringify({
      runtime: name,
      method: req.method,
      path: req.originalUrl,
      cookie: req.get('cookie') ?? null,
      authorization: req.get('authorization') ?? null,
      x_request_id: req.get('x-request-id') ?? null,
      x_custom: req.get('x-custom') ?? null,
      content_type: req.get('content-type') ?? null,
      body_length: typeof req.body === 'string' ? req.body.length : 0,
    }))
  })
  app.all('/api/set-cookie', (req, res) => {
    res.set({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store' })
    res.cookie('sid', `${name}-session`, { path: '/', sameSite: 'lax', httpOnly: true })
    res.send(JSON.stringify({ set: true }))
  })
  app.all('/health', (req, res) => res.send('ok'))
  return app
}

const [corsPort, plainPort] = process.argv.slice(2).map(Number)
if (!corsPort || !plainPort) {
  console.error('usage: node node-api.js CORS_PORT PLAIN_PORT')
  process.exit(2)
}

const withCors = express()
withCors.use('/api', cors({ policy: Policy.fromFile(path.join(__dirname, 'policy.json')) }))
withCors.use('/star', cors({ policy: Policy.fromFile(path.join(__dirname, 'policy-star.json')) }))
routes(withCors, RUNTIME)

// The upstream of nginx: no CORS here; it reports itself as "nginx" (its only client).
const plain = routes(express(), 'nginx')

http.createServer(withCors).listen(corsPort, '127.0.0.1')
http.createServer(plain).listen(plainPort, '127.0.0.1')
console.log(`node-api: corsgate Express on 127.0.0.1:${corsPort}, plain upstream on 127.0.0.1:${plainPort}`)
