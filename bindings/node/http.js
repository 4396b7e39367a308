'use strict'
// corsgate for node:http: wrap a request handler, or call applyCors yourself.

const { toPolicy, handleNode, attachPolicy } = require('./lib/shared.js')
const { Observer } = require('./lib/observe.js')

/**
 * Wraps a node:http request handler. Preflights are answered (the handler is not
 * called) unless `options.preflightContinue`; other requests get their CORS headers
 * (Vary merged) and go on to `handler`. `wrapped.setPolicy(p)` swaps the policy.
 * `options.onDecision`, `options.onWarning`, `options.shadowPolicy`: see lib/observe.js.
 */
function withCors(policy, handler, options = {}) {
  if (typeof handler !== 'function') {
    const e = new TypeError('corsgate: withCors(policy, handler) needs a request handler function')
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  const state = { policy: toPolicy(policy) }
  const preflightContinue = options.preflightContinue === true
  const observer = new Observer(options)
  observer.loaded(state.policy)
  function corsgateHandler(req, res) {
    if (handleNode(state.policy, preflightContinue, req, res, observer)) return
    return handler(req, res)
  }
  return attachPolicy(corsgateHandler, state)
}

/**
 * Decides `req` with `policy` and sets the headers on `res`. Returns true when the
 * request was a preflight and has been answered: do not write to `res` again.
 */
function applyCors(policy, req, res) {
  return handleNode(policy, false, req, res)
}

module.exports = { withCors, applyCors }
