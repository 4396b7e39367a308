'use strict'
// The Node runtime of the e2e suite: an Express app behind corsgate's Express middleware
// (bindings/node), /api/* with policy.json, /star/* with policy-star.json and /cop/*
// with policy-cop.json (cross-origin protection), plus a `ws` WebSocket server on
// /cop/ws whose handshakes corsgate/http's guardUpgrade checks under policy-cop.json.
// The same app also listens, without any CORS middleware or guard, on a second port: the
// upstream that nginx proxies to (the nginx module then adds the CORS headers and refuses).
//
//   node node-api.js CORS_PORT PLAIN_PORT
const path = require('node:path')
const http = require('node:http')

const REPO = path.resolve(__dirname, '..', '..')
const NODE_BINDING = path.join(REPO, 'bindings', 'node')
const express = require(require.resolve('express', { paths: [NODE_BINDING] }))
const { Policy } = require(NODE_BINDING)
const cors = require(path.join(NODE_BINDING, 'express.js'))
const { guardUpgrade } = require(path.join(NODE_BINDING, 'http.js'))
const { WebSocketServer } = require('ws')

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
  copRoutes(app, name)
  return app
}

/**
 * The cross-origin protection routes (twins in app.py): /cop/echo records each request
 * that reaches the application (the side effect a refusal must prevent), /cop/record
 * reports the record of one case, /cop/page is a page of the API's own origin (for the
 * same-origin form). The record lives in the app instance (`app.locals.copEntry`).
 */
function copRoutes(app, name) {
  const record = new Map()
  const entry = (app.locals.copEntry = (id) => {
    if (!record.has(id)) record.set(id, { writes: [], sockets: 0 })
    return record.get(id)
  })
  app.all('/cop/echo', (req, res) => {
    entry(String(req.query.case)).writes.push(req.method)
    res.set({ 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-App': name })
    res.send(JSON.stringify({ runtime: name, method: req.method }))
  })
  app.get('/cop/record', (req, res) => {
    res.set('Cache-Control', 'no-store').json(entry(String(req.query.case)))
  })
  app.get('/cop/page', (req, res) => {
    res.set({ 'Content-Type': 'text/html; charset=utf-8', 'Cache-Control': 'no-store' })
    res.send('<!doctype html><meta charset="utf-8"><title>same origin</title><body>cop page</body>')
  })
}

/** A `ws` server on /cop/ws of `server`: each connection recorded in `app`'s record, then "hello". */
function copSockets(server, app) {
  const wss = new WebSocketServer({ server, path: '/cop/ws' })
  wss.on('connection', (ws, req) => {
    app.locals.copEntry(String(new URL(req.url, 'http://x').searchParams.get('case'))).sockets++
    ws.send('hello')
  })
  return wss
}

const [corsPort, plainPort] = process.argv.slice(2).map(Number)
if (!corsPort || !plainPort) {
  console.error('usage: node node-api.js CORS_PORT PLAIN_PORT')
  process.exit(2)
}

const withCors = express()
withCors.use('/api', cors({ policy: Policy.fromFile(path.join(__dirname, 'policy.json')) }))
withCors.use('/star', cors({ policy: Policy.fromFile(path.join(__dirname, 'policy-star.json')) }))
const copPolicy = Policy.fromFile(path.join(__dirname, 'policy-cop.json'))
withCors.use('/cop', cors({ policy: copPolicy }))
routes(withCors, RUNTIME)

// The upstream of nginx: no CORS here; it reports itself as "nginx" (its only client).
const plain = routes(express(), 'nginx')

const corsServer = http.createServer(withCors)
guardUpgrade(corsServer, copPolicy)
copSockets(corsServer, withCors)
corsServer.listen(corsPort, '127.0.0.1')
const plainServer = http.createServer(plain)
copSockets(plainServer, plain)
plainServer.listen(plainPort, '127.0.0.1')
console.log(`node-api: corsgate Express on 127.0.0.1:${corsPort}, plain upstream on 127.0.0.1:${plainPort}`)
