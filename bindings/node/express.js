'use strict'
// corsgate for Express (and Connect): a drop-in for the `cors` package's middleware.

const { handleNode, attachPolicy } = require('./lib/shared.js')
const { resolveOptions } = require('./lib/options.js')
const { fromCorsOptions } = require('./lib/cors-options.js')
const { whenReady, kDynamic } = require('./lib/dynamic.js')

/**
 * `app.use(cors(options))`. `options`: a Policy, a policy object or its JSON text,
 * `{ policy, preflightContinue }`, or the `cors` package's options (`origin` as a
 * string, RegExp or array of them, `methods`, `allowedHeaders`, `exposedHeaders`,
 * `credentials`, `maxAge`, `optionsSuccessStatus`, `preflightContinue`). Unsafe or
 * unknown options throw `ERR_CORSGATE_UNSUPPORTED_OPTION`; invalid policies throw the
 * core's config error. `middleware.setPolicy(p)` swaps the policy (hot reload).
 */
function cors(options) {
  const r = resolveOptions(options)
  const state = { policy: r.policy }
  const preflightContinue = r.preflightContinue
  const observer = r.observer
  function corsgateMiddleware(req, res, next) {
    // origin: false turns CORS off, as in cors; setPolicy() turns it back on.
    const policy = state.policy
    if (policy === null) return next()
    // No dynamic origins (the common case): decided at once, no closure made.
    if (policy[kDynamic] === undefined) {
      if (!handleNode(policy, preflightContinue, req, res, observer)) next()
      return
    }
    // `origin` as a function: its answer for this origin is fetched first (cached).
    whenReady(
      policy,
      req,
      () => {
        if (!handleNode(policy, preflightContinue, req, res, observer)) next()
      },
      next,
    )
  }
  return attachPolicy(corsgateMiddleware, state)
}

module.exports = cors
module.exports.cors = cors
module.exports.default = cors
module.exports.fromCorsOptions = fromCorsOptions
