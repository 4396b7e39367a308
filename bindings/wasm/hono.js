// @corsgate/wasm/hono: Hono middleware. Accepts `hono/cors` options (translated to a
// policy once, at startup) or a corsgate policy (`{ policy }`). Options corsgate cannot
// honour are refused with a clear error at startup, never silently widened; the core
// validates the rest (its codes and messages). The decision and the response rule are
// the core's (see fetch.js).
import { decide, preflightResponse, answersItself, applyToResponse, toPolicy } from './fetch.js'

/** hono/cors's default `allowMethods`. */
const HONO_DEFAULT_METHODS = ['GET', 'HEAD', 'PUT', 'POST', 'DELETE', 'PATCH', 'QUERY']
const HONO_KEYS = new Set(['origin', 'allowMethods', 'allowHeaders', 'exposeHeaders', 'maxAge', 'credentials'])

function refuse(message) {
  const e = new TypeError(`corsgate/hono: ${message}`)
  e.code = 'ERR_CORSGATE_UNSUPPORTED_OPTION'
  return e
}

function stringList(name, v) {
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) {
    throw refuse(`\`${name}\` must be an array of strings${typeof v === 'function' ? ' (a function cannot be honoured: corsgate decides from a static policy)' : ''}`)
  }
  return v
}

/**
 * The policy (corsgate's JSON form) equivalent to `hono/cors` options `opts`. Throws a
 * TypeError (`code: 'ERR_CORSGATE_UNSUPPORTED_OPTION'`) for an option that cannot be
 * honoured. Translation (see README "Hono"):
 * - `origin`: `'*'` (the default) → `["*"]`; a string or an array of strings → those
 *   origins (corsgate's pattern syntax also works: `https://*.example.com`); a function
 *   is refused;
 * - `allowMethods` → `methods` (default hono's list); a function is refused;
 * - `allowHeaders` → `request_headers`; empty (the default: hono reflects whatever the
 *   preflight asks for) → `["*", "authorization"]`, the same set (`*` does not cover
 *   `authorization` in Fetch, so it is listed);
 * - `exposeHeaders` → `expose_headers`, `maxAge` → `max_age`, `credentials` → `credentials`.
 */
export function policyFromHonoOptions(opts = {}) {
  if (opts === null || typeof opts !== 'object') throw refuse('options must be an object')
  for (const k of Object.keys(opts)) {
    if (!HONO_KEYS.has(k)) throw refuse(`unknown option \`${k}\` (hono/cors options: ${[...HONO_KEYS].join(', ')}; or { policy })`)
  }
  const origin = opts.origin === undefined ? '*' : opts.origin
  let origins
  if (typeof origin === 'string') origins = [origin]
  else if (typeof origin === 'function') {
    throw refuse('`origin` as a function cannot be honoured: corsgate decides from a static policy; list the origins (patterns such as "https://*.example.com" and "~regex" are accepted)')
  } else origins = stringList('origin', origin)
  const config = { origins }
  config.methods = stringList('allowMethods', opts.allowMethods === undefined ? HONO_DEFAULT_METHODS : opts.allowMethods)
  const headers = opts.allowHeaders === undefined ? [] : stringList('allowHeaders', opts.allowHeaders)
  config.request_headers = headers.length === 0 ? ['*', 'authorization'] : headers
  if (opts.exposeHeaders !== undefined) config.expose_headers = stringList('exposeHeaders', opts.exposeHeaders)
  if (opts.maxAge !== undefined && opts.maxAge !== null) config.max_age = opts.maxAge
  if (opts.credentials !== undefined) config.credentials = opts.credentials
  return config
}

/**
 * The Hono middleware. `options` is `{ policy }` (a Policy, a policy object or its JSON
 * text) or `hono/cors` options. Invalid or unsupported options throw here, at startup.
 */
export function cors(options = {}) {
  const policy =
    options !== null && typeof options === 'object' && 'policy' in options
      ? toPolicy(options.policy)
      : toPolicy(policyFromHonoOptions(options))
  return async function corsgate(c, next) {
    const d = decide(policy, c.req.raw)
    if (answersItself(d)) return preflightResponse(d)
    await next()
    const res = applyToResponse(d, c.res)
    if (res !== c.res) {
      // A new Response (the old one's headers were immutable). Hono's `c.res` setter
      // copies the previous response's headers onto the new one, which would bring back
      // the lines the rule removed: clear it first.
      c.res = undefined
      c.res = res
    }
  }
}
