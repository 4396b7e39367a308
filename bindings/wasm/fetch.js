// @corsgate/wasm/fetch: CORS middleware for any Fetch-API runtime (Workers `fetch`
// handlers, Deno.serve, Bun.serve, Node 20's Request/Response).
//
// It decides nothing: the core classifies the request and gives the headers
// (`Policy._decide`), and the core's response rule (`mergeLines`, corsgate::response)
// says which of the application's header lines go and which lines are added. This file
// only reads the request's headers and executes those answers on a Response.
import { Policy, PolicySet, isPolicySet, mergeLines, requestHeaderNames } from '#core'

const KINDS = ['not_cors', 'preflight', 'actual', 'refused']
// The request header names the core reads; others cannot change a decision.
const NAMES = requestHeaderNames()

/**
 * A Policy or a PolicySet from a Policy, a PolicySet, a policy (or policy set) object,
 * its JSON text or its bytes: a document with a top-level `policies` key is a set.
 */
export function toPolicy(input) {
  if (input instanceof Policy || input instanceof PolicySet) return input
  if (input === undefined || input === null) {
    const e = new TypeError('corsgate: a policy is required (a Policy, a policy object or its JSON text)')
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  return isPolicySet(input) ? new PolicySet(input) : new Policy(input)
}

/**
 * Decides `request` (a Fetch Request) with `policy`: `{ kind, allowed, status, headers,
 * reasonCode }` (and `policy`, `route` for a PolicySet). A set selects by the request's
 * `Host` header and `new URL(request.url).pathname` (the URL parser's path: no query
 * string, dot segments resolved); a runtime whose `request.headers` has no `Host`
 * gives `new URL(request.url).host` instead (none when the URL is relative, as Bun's
 * for a request without `Host`: then only `*` routes apply).
 */
export function decide(policy, request) {
  const set = policy instanceof PolicySet
  let url = null
  const parts = [request.method]
  if (set) {
    url = target(request.url)
    parts.push(url.pathname)
  }
  const h = request.headers
  let host = false
  for (const n of NAMES) {
    const v = h.get(n)
    if (v !== null) {
      parts.push(n, v)
      if (n === 'Host') host = true
    }
  }
  if (set && !host && url.host !== '') parts.push('Host', url.host)
  return policy._decide(parts)
}

/**
 * `{ pathname, host }` of a request's URL. Bun gives a relative URL (`/x`) to a
 * request without `Host` (HTTP/1.0): then its path up to `?`/`#`, and no host.
 */
function target(url) {
  try {
    return new URL(url)
  } catch {
    const end = url.search(/[?#]/)
    const path = end < 0 ? url : url.slice(0, end)
    return { pathname: path.startsWith('/') ? path : '/', host: '' }
  }
}

/**
 * The answer of a decision that answers the request itself (a preflight, or a request
 * refused by cross-origin protection): its status and headers, an empty body.
 */
export function preflightResponse(d) {
  return new Response(null, { status: d.status, headers: d.headers })
}

/** Whether decision `d` answers the request itself (`next` is not called). */
export function answersItself(d) {
  return d.kind === 'preflight' || d.kind === 'refused'
}

/**
 * Applies the core's response rule for decision `d` to `response`: in place when its
 * headers are mutable, else on a new Response with the same body and status (a
 * Response from `fetch()` has immutable headers).
 */
export function applyToResponse(d, response) {
  const app = []
  for (const [n, v] of response.headers) app.push(n, v)
  const { drop, added } = mergeLines(KINDS.indexOf(d.kind), d.headers, app)
  if (drop.length === 0 && added.length === 0) return response
  try {
    for (const i of drop) response.headers.delete(app[2 * i])
    for (const [n, v] of added) response.headers.append(n, v)
    return response
  } catch (e) {
    if (!(e instanceof TypeError)) throw e
  }
  const gone = new Set(drop)
  const headers = new Headers()
  for (let i = 0; i < app.length; i += 2) if (!gone.has(i / 2)) headers.append(app[i], app[i + 1])
  for (const [n, v] of added) headers.append(n, v)
  return new Response(response.body, { status: response.status, statusText: response.statusText, headers })
}

/**
 * The middleware: `cors(policy)` returns `(request, next) => Promise<Response>`.
 * Preflights, and requests refused by cross-origin protection (403, `Vary: Origin`; a
 * WebSocket upgrade request too), are answered with the decision (`next` is not
 * called); other requests go
 * to `next(request)` and the core's response rule is applied to its Response. `policy`
 * is a Policy, a PolicySet, a policy (or set) object or its JSON text;
 * `handler.setPolicy(p)` swaps it (the new one is compiled first: an invalid one throws
 * and the old one stays).
 */
export function cors(policy) {
  let current = toPolicy(policy)
  async function corsgate(request, next) {
    const d = decide(current, request)
    if (answersItself(d)) return preflightResponse(d)
    return applyToResponse(d, await next(request))
  }
  corsgate.setPolicy = (p) => {
    current = toPolicy(p)
  }
  corsgate.policy = () => current
  return corsgate
}

/**
 * Wraps a Fetch handler `(request, ...rest) => Response | Promise<Response>` (the
 * shape of `Deno.serve`, `Bun.serve`'s `fetch` and a Worker's `fetch`): the same
 * middleware, with `rest` (env, ctx, server…) passed through.
 */
export function withCors(policy, handler) {
  if (typeof handler !== 'function') {
    const e = new TypeError('corsgate: withCors(policy, handler) needs a fetch handler function')
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  const mw = cors(policy)
  const wrapped = (request, ...rest) => mw(request, async (r) => handler(r, ...rest))
  wrapped.setPolicy = mw.setPolicy
  return wrapped
}
