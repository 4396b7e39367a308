'use strict'
// corsgate for Fastify: `fastify.register(require('corsgate/fastify'), options)`.

const { handleNode, attachPolicy } = require('./lib/shared.js')
const { resolveOptions } = require('./lib/options.js')
const { fromFastifyCorsOptions } = require('./lib/fastify-cors-options.js')
const { whenReady, kDynamic } = require('./lib/dynamic.js')

/** Adds `Cache-Control: value` to the preflight answer `res` is about to write. */
function addCacheControl(res, value) {
  const writeHead = res.writeHead
  res.writeHead = function corsgateCacheControl() {
    this.setHeader('Cache-Control', value)
    return writeHead.apply(this, arguments)
  }
}

/** Whether `req` has the shape of a preflight (for cacheControl only; the core decides). */
function preflightShaped(req) {
  return req.method === 'OPTIONS' && req.headers.origin !== undefined && req.headers['access-control-request-method'] !== undefined
}

/**
 * Registers the answering hook (`onRequest` unless the `hook` option says otherwise) on
 * the root instance (the plugin skips encapsulation, so it also covers 404s and OPTIONS
 * requests to routes without an OPTIONS handler). Options: a corsgate policy (as for
 * `corsgate/express`) or `@fastify/cors` 11's options (lib/fastify-cors-options.js:
 * its defaults, `origin` as a function, `cacheControl`, `hook`, …).
 * `fastify.corsgate.setPolicy(p)` swaps the policy.
 */
function corsgatePlugin(fastify, options, done) {
  let r
  try {
    r = resolveOptions(options, fromFastifyCorsOptions)
  } catch (e) {
    done(e)
    return
  }
  // @fastify/cors calls `origin` with `this` = the Fastify instance.
  const dynamic = r.policy === null ? undefined : r.policy[kDynamic]
  if (dynamic !== undefined) dynamic.thisArg = fastify
  const state = { policy: r.policy }
  const preflightContinue = r.preflightContinue
  const cacheControl = r.cacheControl ?? null
  const hook = r.hook ?? 'onRequest'
  const observer = r.observer
  const handle = attachPolicy(function corsgate() {}, state)
  fastify.decorate('corsgate', handle)
  // The decision is applied to the raw response when its head is written (Fastify
  // writes its reply headers through `writeHead`), so a handler's `reply.header(…)`
  // is covered by the core's response rule; a preflight is answered here.
  function answer(request, reply, next) {
    const policy = state.policy
    if (policy === null) return next()
    // No dynamic origins (the common case): decided at once, no closure made.
    if (policy[kDynamic] === undefined) return decided(policy, request, reply, next)
    whenReady(
      policy,
      request.raw,
      () => decided(policy, request, reply, next),
      next,
    )
  }
  function decided(policy, request, reply, next) {
    if (cacheControl !== null && preflightShaped(request.raw)) addCacheControl(reply.raw, cacheControl)
    if (handleNode(policy, preflightContinue, request.raw, reply.raw, observer)) {
      reply.hijack()
      return
    }
    next()
  }
  if (hook === 'preParsing') {
    fastify.addHook(hook, function corsgatePreParsing(request, reply, payload, next) {
      answer(request, reply, (err) => (err ? next(err) : next(null, payload)))
    })
  } else {
    fastify.addHook(hook, function corsgateHook(request, reply, next) {
      answer(request, reply, next)
    })
  }
  done()
}

// Like fastify-plugin: hooks and decorators land on the parent (root) instance.
corsgatePlugin[Symbol.for('skip-override')] = true
corsgatePlugin[Symbol.for('fastify.display-name')] = 'corsgate'
corsgatePlugin[Symbol.for('plugin-meta')] = { name: 'corsgate', fastify: '>=4' }

module.exports = corsgatePlugin
module.exports.corsgate = corsgatePlugin
module.exports.default = corsgatePlugin
