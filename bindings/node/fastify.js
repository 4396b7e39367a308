'use strict'
// corsgate for Fastify: `fastify.register(require('corsgate/fastify'), options)`.

const { handleNode, attachPolicy } = require('./lib/shared.js')
const { resolveOptions } = require('./lib/options.js')

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
  // The decision is applied to the raw response when its head is written (Fastify
  // writes its reply headers through `writeHead`), so a handler's `reply.header(…)`
  // is covered by the core's response rule; a preflight is answered here.
  fastify.addHook('onRequest', function corsgateOnRequest(request, reply, next) {
    if (state.policy === null) return next()
    if (handleNode(state.policy, preflightContinue, request.raw, reply.raw)) {
      reply.hijack()
      return
    }
    next()
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
