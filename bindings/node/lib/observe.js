'use strict'
// Seeing decisions: the `onDecision`, `onWarning` and `shadowPolicy` options of every
// middleware. Everything reported comes from the core: the policy's `warnings`
// (Diagnostics) and the `Decision` of `Policy.evaluate` (kind, allowed, reasonCode,
// reasonDetail, reason). Nothing here decides anything; it only routes. A PolicySet
// (live or shadow) is evaluated with the request path, and its decision also names the
// selected `policy` and `route` (null when no route was selected).
//
// - Policy warnings: `onWarning(diagnostic)` when given, else
//   `process.emitWarning(message, { type: 'CorsgateWarning', code: 'CORSGATE_POLICY_WARNING' })`,
//   the first time a middleware uses a policy (construction, and after `setPolicy`).
//   A policy translated from `cors` / `@fastify/cors` options is reported in the user's
//   words (lib/user-words.js): the message names `origin[1]`, not `origins[1]`, and the
//   diagnostic given to `onWarning` carries `option` (the option behind it).
// - `onDecision(decision, req)`: every request's live Decision; with a shadow policy
//   the decision carries `shadow` (the shadow policy's Decision). An exception thrown by
//   the hook goes to `onWarning` / `process.emitWarning` (code
//   `CORSGATE_ON_DECISION_FAILED`), never into the request.
// - `shadowPolicy`: evaluated on the same request beside the live one and never applied;
//   when the verdicts (kind, allowed) differ, a warning with both reasons: `onWarning({
//   code: 'shadow_disagreement', message, live, shadow })`, else `process.emitWarning`
//   with code `CORSGATE_SHADOW_DISAGREEMENT`.
//
// Cost: with neither `onDecision` nor `shadowPolicy`, an identity check per request (the
// middleware's fast path is untouched). With either, one full `evaluate` of the
// live policy per request (a decision object with its reason), one more for the shadow.

const { toPolicy, PolicySet, pathOf } = require('./shared.js')
const { diagnosticInUserWords } = require('./user-words.js')

const OBSERVE_KEYS = ['onDecision', 'onWarning', 'shadowPolicy']

function typeError(message) {
  const e = new TypeError(`corsgate: ${message}`)
  e.code = 'ERR_INVALID_ARG_TYPE'
  return e
}

/**
 * Splits the observation options off a middleware's options object: returns
 * `[rest, observeOptions]` (`rest` is `options` itself when it holds none of them).
 */
function splitObserveOptions(options) {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) return [options, {}]
  if (!OBSERVE_KEYS.some((k) => Object.prototype.hasOwnProperty.call(options, k))) return [options, {}]
  const rest = {}
  const observe = {}
  for (const k of Object.keys(options)) (OBSERVE_KEYS.includes(k) ? observe : rest)[k] = options[k]
  // Keep a Policy instance or a `cors`-style object recognisable to the resolver.
  return [rest, observe]
}

/**
 * The full decision of `policy` (a Policy, or a PolicySet: then with the request path
 * and the `policy` / `route` it selected) for `req`.
 */
function evaluate(policy, req, headers) {
  return policy instanceof PolicySet ? policy.evaluate(req.method, headers, pathOf(req)) : policy.evaluate(req.method, headers)
}

class Observer {
  /** Validates the options; the policy's warnings are reported on first use. */
  constructor(options = {}) {
    const { onDecision, onWarning, shadowPolicy } = options
    for (const [name, fn] of [['onDecision', onDecision], ['onWarning', onWarning]]) {
      if (fn !== undefined && typeof fn !== 'function') {
        throw typeError(`option "${name}" must be a function, not ${fn === null ? 'null' : typeof fn}`)
      }
    }
    this.onDecision = onDecision
    this.onWarning = onWarning
    this.shadow = shadowPolicy === undefined ? undefined : toPolicy(shadowPolicy)
    this.seen = undefined
    this.named = null // { policy, name }: a policy translated from package options
    this.perRequest = onDecision !== undefined || this.shadow !== undefined
    if (this.shadow !== undefined) this.warnAll(this.shadow, 'shadow policy')
  }

  warn(warning, message, code) {
    if (this.onWarning !== undefined) {
      this.onWarning(warning)
    } else {
      process.emitWarning(message, { type: 'CorsgateWarning', code })
    }
  }

  warnAll(policy, what, name = null) {
    for (const d of policy.warnings) {
      if (name === null) {
        this.warn(d, `corsgate: ${what} warning: ${d.text}`, 'CORSGATE_POLICY_WARNING')
      } else {
        const { text, option } = diagnosticInUserWords(d, name)
        this.warn({ ...d, option }, `corsgate: ${what} warning: ${text}`, 'CORSGATE_POLICY_WARNING')
      }
    }
  }

  /**
   * Reports `policy`'s warnings unless it is the one reported last. `name`: for a policy
   * translated from package options, the option behind each policy location
   * (lib/user-words.js); it stays with that policy (a policy given to `setPolicy` is
   * reported in the core's words).
   */
  loaded(policy, name = null) {
    if (name !== null) this.named = { policy, name }
    if (policy === this.seen || policy === null) return
    this.seen = policy
    const named = this.named !== null && this.named.policy === policy ? this.named.name : null
    this.warnAll(policy, 'policy', named)
  }

  /** One request decided by `policy`: its hooks and its shadow comparison. */
  decided(policy, req) {
    if (policy !== this.seen) this.loaded(policy)
    if (!this.perRequest) return
    const headers = Array.isArray(req.rawHeaders) ? req.rawHeaders : req.headers
    const live = evaluate(policy, req, headers)
    if (this.shadow !== undefined) {
      const shadow = evaluate(this.shadow, req, headers)
      live.shadow = shadow
      if (live.kind !== shadow.kind || live.allowed !== shadow.allowed) {
        const verdict = (d) =>
          `${d.allowed ? 'allowed' : 'denied'} (${d.reasonCode}: ${d.reason}${d.policy === undefined ? '' : `; policy ${JSON.stringify(d.policy)}`})`
        const origin = req.headers === undefined ? undefined : req.headers.origin
        const message =
          `corsgate: shadow policy disagrees: ${live.kind} request from origin ${JSON.stringify(origin)}: ` +
          `live ${verdict(live)}, shadow ${verdict(shadow)}`
        this.warn({ code: 'shadow_disagreement', message, live, shadow }, message, 'CORSGATE_SHADOW_DISAGREEMENT')
      }
    }
    if (this.onDecision !== undefined) {
      try {
        this.onDecision(live, req)
      } catch (e) {
        const message = `corsgate: onDecision threw: ${e && e.message}`
        this.warn({ code: 'on_decision_failed', message, error: e }, message, 'CORSGATE_ON_DECISION_FAILED')
      }
    }
  }
}

module.exports = { Observer, splitObserveOptions, OBSERVE_KEYS }
