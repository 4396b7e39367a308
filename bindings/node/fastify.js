'use strict'
// corsgate for Fastify: `fastify.register(require('corsgate/fastify'), options)`.

const { decide, isPreflight, statusOf, applyHeaders, attachPolicy, mergeVary } = require('./lib/shared.js')
const { resolveOptions } = require('./lib/options.js')

const getReplyHeader = (reply, n) => reply.getHeader(n)
const setReplyHeader = (reply, n, v) => reply.header(n, v)
const kVary = Symbol('corsgate.vary')

/**
 * Registers an `onRequest` hook on the root instance (the plugin skips encapsulation,
 * so it also covers 404s and OPTIONS requests to routes without an OPTIONS handler).
 * Options as for `corsgate/express`. `fastify.corsgate.setPolicy(p)` swaps the policy.
 */
function corsgatePlugin(fastify, options, done) {
  let r
  try {
    r = resolveOptions(options)
  } catch (e) {
    done(e)
    return
  }
  const state = { policy: r.policy }
  const preflightContinue = r.preflightContinue
  const handle = attachPolicy(function corsgate() {}, state)
  fastify.decorate('corsgate', handle)
  fastify.addHook('onRequest', function corsgateOnRequest(request, reply, next) {
    if (state.policy === null) return next()
    const d = decide(state.policy, request.raw)
    // Remember our Vary for onSend.
    request[kVary] = applyHeaders(d, reply, getReplyHeader, setReplyHeader)
    if (!isPreflight(d) || preflightContinue) return next()
    reply.code(statusOf(d)).send()
  })
  // A handler's reply.header('vary', …) replaces the header: merge ours back in.
  fastify.addHook('onSend', function corsgateOnSend(request, reply, payload, next) {
    const vary = request[kVary]
    if (vary !== undefined) reply.header('vary', mergeVary(reply.getHeader('vary'), vary))
    next(null, payload)
  })
  done()
}

// Like fastify-plugin: hooks and decorators land on the parent (root) instance.
corsgatePlugin[Symbol.for('skip-override')] = true
corsgatePlugin[Symbol.for('fastify.display-name')] = 'corsgate'
corsgatePlugin[Symbol.for('plugin-meta')] = { name: 'corsgate', fastify: '>=4' }

module.exports = corsgatePlugin
module.exports.corsgate = corsgatePlugin
module.exports.default = corsgatePlugin
