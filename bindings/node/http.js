'use strict'
// corsgate for node:http: wrap a request handler, or call applyCors yourself.

const { toPolicy, handleNode, refuseUpgrade, attachPolicy } = require('./lib/shared.js')
const { Observer } = require('./lib/observe.js')

/**
 * Wraps a node:http request handler. Preflights are answered (the handler is not
 * called) unless `options.preflightContinue`, and so are requests refused by
 * cross-origin protection (403); other requests get their CORS headers (Vary merged)
 * and go on to `handler`. `wrapped.setPolicy(p)` swaps the policy.
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
 * request was a preflight or a refusal and has been answered: do not write to `res` again.
 */
function applyCors(policy, req, res) {
  return handleNode(policy, false, req, res)
}

/**
 * Guards the WebSocket handshakes of `server` (an http/https Server, e.g. the one a `ws`
 * WebSocketServer is attached to) with `policy`'s cross-origin protection: every
 * `upgrade` event is decided first; a refused handshake is answered `HTTP/1.1 403` with
 * the decision's headers (`Vary: Origin`), its socket destroyed, and no `upgrade`
 * listener sees it, whether it was added before or after the guard. Other handshakes
 * reach the listeners unchanged. Returns a handle: `policy`, `setPolicy(p)` (hot
 * reload) and `remove()` (the server's `emit` restored).
 */
function guardUpgrade(server, policy) {
  if (server === null || typeof server !== 'object' || typeof server.emit !== 'function') {
    const e = new TypeError('corsgate: guardUpgrade(server, policy) needs an http.Server')
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  const state = { policy: toPolicy(policy) }
  const emit = server.emit
  const own = Object.prototype.hasOwnProperty.call(server, 'emit')
  // Wrapping emit (not adding a listener) puts the check in front of every listener.
  server.emit = function corsgateEmit(event, req, socket) {
    if (event === 'upgrade' && refuseUpgrade(state.policy, req, socket)) return true
    return emit.apply(this, arguments)
  }
  const handle = attachPolicy(function corsgateUpgradeGuard() {}, state)
  handle.remove = () => {
    if (own) server.emit = emit
    else delete server.emit
  }
  return handle
}

/**
 * For an `upgrade` listener of your own (a `ws` server with `noServer: true`): returns
 * true when `policy` refused the handshake `req`, which has then been answered (403,
 * `Vary: Origin`) and its socket destroyed; false when it may go on to `handleUpgrade`.
 */
function checkUpgrade(policy, req, socket) {
  return refuseUpgrade(toPolicy(policy), req, socket)
}

module.exports = { withCors, applyCors, guardUpgrade, checkUpgrade }
