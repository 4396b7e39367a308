'use strict'
// `@fastify/cors` 11's options → a corsgate policy object. Only translation (the core
// validates every value when the policy compiles). Shares the origin, list and header
// mapping with the `cors` package's options (cors-options.js); differs in the defaults
// (methods GET, HEAD, POST) and the Fastify-only options.

const { translate, checkOptions, unsupported } = require('./cors-options.js')

// @fastify/cors 11's default methods are GET,HEAD,POST: none needs listing (Fetch).
const DEFAULT_METHODS = []
const HOOKS = ['onRequest', 'preParsing', 'preValidation', 'preHandler']

const KNOWN = new Set([
  'origin',
  'methods',
  'allowedHeaders',
  'exposedHeaders',
  'credentials',
  'maxAge',
  'optionsSuccessStatus',
  'preflightContinue',
  'preflight',
  'strictPreflight',
  'hideOptionsRoute',
  'cacheControl',
  'hook',
  'logLevel',
  'delegator',
  'originCache',
])

function bool(o, k) {
  if (o[k] !== undefined && typeof o[k] !== 'boolean') throw unsupported(k, 'must be a boolean')
}

/**
 * Translates `@fastify/cors` options into `{ config, preflightContinue, disabled,
 * originCallback, hook, cacheControl }`:
 * - `preflight: false` hands preflights to the routes (as `preflightContinue`);
 * - `strictPreflight` (an OPTIONS request without `Origin` or
 *   `Access-Control-Request-Method` is answered 400 by @fastify/cors) and
 *   `hideOptionsRoute` (its catch-all OPTIONS route is hidden from schemas) are accepted;
 *   corsgate registers no OPTIONS route, so such a request reaches the application's
 *   routes or the 404 handler, which no browser's CORS check reads;
 * - `cacheControl`: the `Cache-Control` value of preflight answers (an integer is
 *   `max-age=N`, a string as given, other values ignored, as in @fastify/cors);
 * - `hook`: the Fastify hook that answers (`onRequest` default; `preSerialization` is
 *   refused: it never runs for a preflight without an OPTIONS route);
 * - `delegator` (options computed per request) is refused: use `origin: fn`.
 */
function fromFastifyCorsOptions(options) {
  const o = checkOptions(options, KNOWN, 'a function (options delegator)')
  if (o.delegator !== undefined) {
    throw unsupported(
      'delegator',
      'computes every option per request; corsgate compiles a policy once. For origins that live in a database use origin: (origin, cb) => cb(null, allowed) (consulted only for origins the policy denies, cached); for per-tenant policies compile one Policy each',
    )
  }
  for (const k of ['preflight', 'strictPreflight', 'hideOptionsRoute']) bool(o, k)
  const hook = o.hook ?? 'onRequest'
  if (!HOOKS.includes(hook)) {
    throw unsupported(
      'hook',
      hook === 'preSerialization'
        ? 'preSerialization runs only when a route serializes a payload, never for a preflight without an OPTIONS route: use onRequest (default), preParsing, preValidation or preHandler'
        : `must be one of ${HOOKS.join(', ')}`,
    )
  }
  const cacheControl = Number.isInteger(o.cacheControl)
    ? `max-age=${o.cacheControl}`
    : typeof o.cacheControl === 'string'
      ? o.cacheControl
      : null
  const mapped = translate(o, DEFAULT_METHODS)
  if (o.preflight === false) mapped.preflightContinue = true
  return { ...mapped, hook, cacheControl }
}

module.exports = { fromFastifyCorsOptions, HOOKS }
