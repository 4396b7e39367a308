// @corsgate/wasm/fetch: CORS middleware for any Fetch-API runtime (Workers `fetch`
// handlers, Deno.serve, Bun.serve, Node 20's Request/Response).
//
// It decides nothing: the core classifies the request and gives the headers
// (`Policy._decide`), and the core's response rule (`mergeLines`, corsgate::response)
// says which of the application's header lines go and which lines are added. This file
// only reads the request's headers and executes those answers on a Response.
import { Policy, mergeLines, requestHeaderNames } from '#core'

const KINDS = ['not_cors', 'preflight', 'actual', 'refused']
// The request header names the core reads; others cannot change a decision.
const NAMES = requestHeaderNames()

/** A Policy from a Policy, a policy object, its JSON text or its bytes. */
export function toPolicy(input) {
  if (input instanceof Policy) return input
  if (input === undefined || input === null) {
    const e = new TypeError('corsgate: a policy is required (a Policy, a policy object or its JSON text)')
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  return new Policy(input)
}

/** Decides `request` (a Fetch Request) with `policy`: `{ kind, allowed, status, headers, reasonCode }`. */
export function decide(policy, request) {
  const parts = [request.method]
  const h = request.headers
  for (const n of NAMES) {
    const v = h.get(n)
    if (v !== null) parts.push(n, v)
  }
  return policy._decide(parts)
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
 * is a Policy, a policy object or its JSON text; `handler.setPolicy(p)` swaps it (the
 * new one is compiled first: an invalid one throws and the old one stays).
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
