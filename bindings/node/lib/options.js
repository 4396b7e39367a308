'use strict'
// The options every adapter accepts: a corsgate policy or policy set (Policy,
// PolicySet, policy or set object, JSON text, or `{ policy, preflightContinue }`) or the
// `cors` package's options.

const { Policy, PolicySet, toPolicy } = require('./shared.js')
const { fromCorsOptions } = require('./cors-options.js')
const { withDynamicOrigins } = require('./dynamic.js')
const { Observer, splitObserveOptions } = require('./observe.js')
const { inUserWords } = require('./user-words.js')

/**
 * `resolvePolicyOptions` plus `observer`: the `onDecision`, `onWarning` and
 * `shadowPolicy` options (lib/observe.js) are taken off first, in every form. The
 * policy's warnings are reported here, at construction.
 */
function resolveOptions(options, fromPackageOptions = fromCorsOptions) {
  const [rest, observe] = splitObserveOptions(options)
  const observer = new Observer(observe)
  const r = resolvePolicyOptions(rest, fromPackageOptions)
  r.observer = observer
  observer.loaded(r.policy, r.name ?? null) // a translation's warnings in the user's words
  return r
}

/**
 * Resolves adapter options to `{ policy, preflightContinue, disabled, … }` (the package
 * translation's other fields kept). `fromPackageOptions`: the package whose option names
 * the adapter takes (`cors` by default; lib/fastify-cors-options.js for Fastify).
 * - a `Policy`, a JSON string, or an object with `origins`: a corsgate policy;
 * - `{ policy, preflightContinue? }`: the same, with the preflight switch;
 * - anything else: the `cors` package's options (see cors-options.js).
 */
function resolvePolicyOptions(options, fromPackageOptions = fromCorsOptions) {
  if (options instanceof Policy || options instanceof PolicySet || typeof options === 'string') {
    return { policy: toPolicy(options), preflightContinue: false, disabled: false }
  }
  if (options !== null && typeof options === 'object' && !Array.isArray(options)) {
    // A policy object, or a policy set object (`policies`).
    if (Object.prototype.hasOwnProperty.call(options, 'origins') || Object.prototype.hasOwnProperty.call(options, 'policies')) {
      return { policy: toPolicy(options), preflightContinue: false, disabled: false }
    }
    if (Object.prototype.hasOwnProperty.call(options, 'policy')) {
      for (const k of Object.keys(options)) {
        if (k !== 'policy' && k !== 'preflightContinue') {
          const e = new Error(
            `corsgate: option "${k}" cannot be combined with "policy" (put it in the policy, or use the cors-style options alone)`,
          )
          e.code = 'ERR_CORSGATE_UNSUPPORTED_OPTION'
          e.option = k
          throw e
        }
      }
      return {
        policy: toPolicy(options.policy),
        preflightContinue: options.preflightContinue === true,
        disabled: false,
      }
    }
  }
  const mapped = fromPackageOptions(options)
  let policy = null
  if (!mapped.disabled) {
    try {
      policy = toPolicy(mapped.config)
    } catch (e) {
      // The core names policy fields; the user wrote the package's options.
      throw inUserWords(e, mapped.name)
    }
  }
  // `origin` as a function: consulted when the compiled policy denies an origin.
  if (policy !== null && mapped.originCallback) withDynamicOrigins(policy, mapped.originCallback, mapped.dynamicOptions)
  return { ...mapped, policy }
}

module.exports = { resolveOptions }
