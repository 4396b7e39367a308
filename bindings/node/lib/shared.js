'use strict'
// Shared plumbing of the node:http, Express and Fastify adapters. Nothing here decides
// anything about CORS: the native Policy returns the decision (kind, status, headers) and
// the core's response rule (`applyResponse`) turns the application's response headers
// into the final ones when the head is written; these helpers only move headers around.

// The addon's full exports, internals included (the package's public entry, index.js,
// re-exports only the documented API).
const { STATUS_CODES } = require('node:http')
const native = require('../binding.js')
const { Policy, PolicySet, headerNames, requestHeaderNames, applyResponse, isPolicySet, responseRuleNames } = native
const { policyFor } = require('./dynamic.js')
const { OUT, ADDED, select, decideInto, str, stateOf, kState } = require('./evaluate.js')

// The core's response header names; the fast decision form names them by letter.
const NAMES = headerNames()
// Lengths of the request header names the core reads: only lines with such a name
// length cross into the addon (the core still compares the names themselves).
const WANTED_LENGTH = new Uint8Array(256)
for (const n of requestHeaderNames()) WANTED_LENGTH[n.length] = 1
// What the core's response rule reads in a response (lower case), and the kinds whose
// response is the application's, from the core itself (`responseRuleNames`).
const [OWNED_PREFIX, VARY, ...APP_KINDS] = responseRuleNames()
const CALLS_APPLICATION = []
for (const k of APP_KINDS) CALLS_APPLICATION[Number(k)] = true

/**
 * The request lines worth sending, NUL-joined, and their count (names and values).
 * Lines whose name length matches no name the core reads are left out.
 */
function selectLines(raw) {
  let joined = ''
  let count = 0
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i]
    if (WANTED_LENGTH[name.length] === 1) {
      joined = count === 0 ? name + '\0' + raw[i + 1] : joined + '\0' + name + '\0' + raw[i + 1]
      count += 2
    }
  }
  return { joined, count }
}

/**
 * A compiled Policy or PolicySet from a Policy, a PolicySet, a policy (or policy set)
 * object, its JSON text or a Buffer of it (throws on errors). A document with a
 * top-level `policies` key is a set (the core's rule).
 */
function toPolicy(input) {
  if (input instanceof Policy || input instanceof PolicySet) return input
  if (input === undefined || input === null) {
    const e = new TypeError('corsgate: a policy is required (a Policy, a PolicySet, a policy object or its JSON text)')
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    return isPolicySet(input) ? new PolicySet(input) : new Policy(input)
  }
  if (typeof input === 'object' && Object.prototype.hasOwnProperty.call(input, 'policies')) return new PolicySet(input)
  return new Policy(input)
}

/**
 * The request path a policy set selects by: the request target up to `?` (the query
 * string is not part of it), not percent-decoded. Express's `originalUrl` when present
 * (a router mounted at `/api` sees `req.url` without `/api`; selection must see the
 * full path); an absolute-form target (`http://host/p`) gives its path.
 */
function pathOf(req) {
  let url = req.originalUrl
  if (typeof url !== 'string') url = req.url
  if (typeof url !== 'string' || url === '') return '/'
  if (url.charCodeAt(0) !== 47 /* / */) {
    const m = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#]*/.exec(url)
    if (m !== null) url = url.slice(m[0].length) || '/'
  }
  const q = url.indexOf('?')
  return q < 0 ? url : url.slice(0, q)
}

/** The fast form's text → `[head, name, value, …]` with each letter resolved to its name. */
function parseFast(s) {
  const d = s.split('\0')
  for (let i = 1; i < d.length; i += 2) {
    if (d[i].length === 1) d[i] = NAMES[d[i].charCodeAt(0) - 65]
  }
  return d
}

// `head` of a decision without a status, by kind * 2 + allowed.
const HEADS = ['00', '01', '10', '11', '20', '21', '30', '31']

/** `[head, name, value, …]` from the numeric form the addon left in OUT (lib/evaluate.js). */
function fromOut(state, sel, fresh) {
  const n = OUT[7]
  const d = new Array(1 + 2 * n)
  const status = OUT[2]
  const head = HEADS[OUT[0] * 2 + OUT[1]]
  d[0] = status < 0 ? head : head + status
  for (let i = 0; i < 2 * n; i++) d[1 + i] = str(state, OUT[8 + i], sel, fresh)
  // The lines the core's response rule adds to a response holding none of its lines.
  // Most often they are the decision's own, as the same references (src/encode.rs):
  // then `d` itself stands for them (from index 1) and no second array is made.
  const m = OUT[ADDED]
  if (m >= 0) {
    let same = m === n
    for (let i = 0; same && i < 2 * m; i++) same = OUT[ADDED + 1 + i] === OUT[8 + i]
    if (same) {
      d.added = d
    } else {
      const added = new Array(2 * m)
      for (let i = 0; i < 2 * m; i++) added[i] = str(state, OUT[ADDED + 1 + i], sel, fresh)
      d.added = added
    }
  }
  return d
}

/**
 * Decides a Node request. Returns the decision as `[head, name, value, name, value, …]`
 * where `head` is `"<kind><allowed><status>"`: kind `0` not CORS, `1` preflight,
 * `2` actual, `3` refused (cross-origin protection); allowed `0`/`1`; the status digits
 * only for preflights and refusals.
 *
 * A Policy decides through the same path as `policy.evaluate` (lib/evaluate.js): the
 * lines the core reads cross into the addon as arguments, the decision comes back as
 * numbers, its strings are the request's own or the policy's cached texts. No per-policy
 * memo of decisions: the engine is fast enough without one (benches/README.md, "Node").
 * A PolicySet (which also selects by the request path) takes the NUL-joined text form.
 */
function decide(policy, req) {
  // Dynamic origins (lib/dynamic.js): the derived policy of a cached "yes", if any.
  policy = policyFor(policy, req)
  const raw = req.rawHeaders
  const method = req.method
  const rawOk = Array.isArray(raw) && raw.length % 2 === 0
  // A Policy the middleware has seen carries its state (lib/evaluate.js `stateOf`).
  let state = policy[kState]
  if (state === undefined) state = policy instanceof Policy ? stateOf(policy) : undefined
  if (state !== undefined) {
    const sel = select(method, rawOk ? raw : req.headers, state.table)
    if (sel !== undefined && sel.length <= 65) {
      const fresh = decideInto(state, sel, true)
      if (fresh !== null) return fromOut(state, sel, fresh)
    }
    const c = native.decideCompact(policy, method, rawOk ? raw : req.headers)
    c[2] = `${c[0]}${c[1] ? 1 : 0}${c[2] === null ? '' : c[2]}`
    return c.slice(2)
  }
  const path = pathOf(req)
  if (rawOk) {
    const sel = selectLines(raw)
    const s = native.decide(policy, method, sel.joined, sel.count, path)
    if (s !== null) return parseFast(s)
  }
  const c = native.decideSetCompact(policy, method, rawOk ? raw : req.headers, path)
  c[2] = `${c[0]}${c[1] ? 1 : 0}${c[2] === null ? '' : c[2]}`
  return c.slice(2)
}

const isPreflight = (d) => d[0].charCodeAt(0) === 49 // '1'
const isRefused = (d) => d[0].charCodeAt(0) === 51 // '3'
/** The status digits of the decision's head (no string made). */
function statusOf(d) {
  const h = d[0]
  let status = 0
  for (let i = 2; i < h.length; i++) status = status * 10 + h.charCodeAt(i) - 48
  return status
}
/** The decision's headers as a flat `[name, value, …]` list and its kind code. */
const decisionLines = (d) => d.slice(1)
const kindOf = (d) => d[0].charCodeAt(0) - 48

/**
 * The response's current headers as a flat `[name, value, …]` list (names as the
 * application wrote them when Node keeps them; a list value becomes several lines).
 */
function responseLines(res) {
  const names = typeof res.getRawHeaderNames === 'function' ? res.getRawHeaderNames() : res.getHeaderNames()
  const out = []
  for (const name of names) {
    const v = res.getHeader(name)
    if (v === undefined) continue
    if (Array.isArray(v)) for (const x of v) out.push(name, String(x))
    else out.push(name, String(v))
  }
  return out
}

/**
 * Whether the response `res` holds a line the core's response rule reads: a name the
 * policy owns (`Access-Control-*`) or `Vary` (corsgate::response: every other line is
 * kept as it is, in order, and the decision's lines come after them).
 */
function holdsRuledLine(res) {
  const names = res.getHeaderNames() // lower case
  for (let i = 0; i < names.length; i++) {
    const n = names[i]
    if (n === VARY || n.startsWith(OWNED_PREFIX)) return true
  }
  return false
}

/**
 * Applies the core's response rule for decision `d` taken as `kind` to `res`. When `res`
 * holds no line the rule reads, the rule keeps all of them and adds the decision's after
 * them: only those are added (`d.added`, computed by the core with the decision, when
 * `kind` is the decision's own; else the rule is asked now); otherwise every line is
 * rewritten from the rule's output.
 */
function applyToResponse(res, kind, d) {
  if (CALLS_APPLICATION[kind] === true ? !holdsRuledLine(res) : res.getHeaderNames().length === 0) {
    const added = d.added !== undefined && kind === kindOf(d) ? d.added : applyResponse(kind, decisionLines(d), [])
    // `d.added === d`: the decision's own lines, from index 1.
    addResponseLines(res, added, added === d ? 1 : 0)
  } else {
    setResponseLines(res, applyResponse(kind, decisionLines(d), responseLines(res)))
  }
}

/**
 * Adds the flat list `lines` (from index `from`) to `res` (names `res` does not hold).
 * Distinct names (what the core's rule gives; compared ASCII case-insensitively) are set
 * one by one, with no grouping made; a repeated name takes `setResponseLines`.
 */
function addResponseLines(res, lines, from) {
  for (let i = from + 2; i < lines.length; i += 2) {
    for (let j = from; j < i; j += 2) {
      if (sameName(lines[j], lines[i])) return setResponseLines(res, from === 0 ? lines : lines.slice(from), false)
    }
  }
  for (let i = from; i + 1 < lines.length; i += 2) res.setHeader(lines[i], lines[i + 1])
}

/** Whether header names `a` and `b` are equal ASCII case-insensitively (no string made). */
function sameName(a, b) {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a.charCodeAt(i)
    const y = b.charCodeAt(i)
    if (x !== y && ((x | 0x20) !== (y | 0x20) || (x | 0x20) < 0x61 || (x | 0x20) > 0x7a)) return false
  }
  return true
}

/**
 * Replaces every header of `res` with the flat list `lines` (repeated names kept); with
 * `replace` false, adds them (names `res` does not hold).
 */
function setResponseLines(res, lines, replace = true) {
  if (replace) for (const name of res.getHeaderNames()) res.removeHeader(name)
  const grouped = new Map()
  for (let i = 0; i < lines.length; i += 2) {
    const k = lines[i].toLowerCase()
    const g = grouped.get(k)
    if (g === undefined) grouped.set(k, [lines[i], [lines[i + 1]]])
    else g[1].push(lines[i + 1])
  }
  for (const [name, values] of grouped.values()) res.setHeader(name, values.length === 1 ? values[0] : values)
}

/**
 * Applies decision `d` to the node:http response `res` when its head is written: wraps
 * `res.writeHead` (also reached by an implicit head, `res.end()` without `writeHead`),
 * so headers the application sets after the middleware ran are covered. Headers passed
 * to `writeHead` count as the application's, as Node itself would set them.
 *
 * Cost: no function is made per request. `res` gets three own properties (`writeHead`,
 * the pending decision, the `writeHead` it replaced), which fit in the one property
 * store adding `writeHead` alone makes; `corsgateWriteHead` reads them. A response
 * hooked before (a second corsgate middleware on one request, even with another
 * package's `writeHead` wrapper in between) is wrapped by a closure instead, so both
 * decisions apply in turn as before.
 */
function applyOnWriteHead(res, d, kind = kindOf(d)) {
  const writeHead = res.writeHead
  // Hooked before (pending or applied, maybe wrapped by another package since): a
  // closure, so that neither decision's state is overwritten.
  if (writeHead === corsgateWriteHead || res[kWriteHead] !== undefined) {
    let applied = false
    res.writeHead = function corsgateWriteHeadAgain(statusCode, reason, headers) {
      if (applied) return writeHead.apply(this, arguments)
      applied = true
      return writeHeadWith(this, writeHead, d, kind, arguments.length, statusCode, reason, headers)
    }
    return
  }
  res[kPending] = kind === kindOf(d) ? d : { d, kind }
  res[kWriteHead] = writeHead
  res.writeHead = corsgateWriteHead
}

// The pending decision of a response (`d`, or `{ d, kind }` when taken as another kind;
// null once applied) and the `writeHead` corsgate's replaced.
const kPending = Symbol('corsgate.pending')
const kWriteHead = Symbol('corsgate.writeHead')

/** `res.writeHead` while a decision is pending (see applyOnWriteHead). */
function corsgateWriteHead(statusCode, reason, headers) {
  const writeHead = this[kWriteHead]
  const p = this[kPending]
  if (p === null) return writeHead.apply(this, arguments)
  this[kPending] = null
  const d = Array.isArray(p) ? p : p.d
  const kind = Array.isArray(p) ? kindOf(p) : p.kind
  return writeHeadWith(this, writeHead, d, kind, arguments.length, statusCode, reason, headers)
}

/**
 * Writes the head of `res` through `writeHead` with decision `d` (taken as `kind`)
 * applied first; `argc` the number of arguments of the call (`statusCode`, `reason`,
 * `headers`).
 */
function writeHeadWith(res, writeHead, d, kind, argc, statusCode, reason, headers) {
  if (argc === 1) {
    // `writeHead(status)`, and the implicit head of `res.end()`: nothing to merge first.
    applyToResponse(res, kind, d)
    return writeHead.call(res, statusCode)
  }
  if (typeof reason !== 'string') {
    headers = reason
    reason = undefined
  }
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) res.removeHeader(headers[i])
    for (let i = 0; i + 1 < headers.length; i += 2) res.appendHeader(headers[i], headers[i + 1])
  } else if (headers) {
    for (const k of Object.keys(headers)) if (headers[k] !== undefined) res.setHeader(k, headers[k])
  }
  applyToResponse(res, kind, d)
  return reason === undefined ? writeHead.call(res, statusCode) : writeHead.call(res, statusCode, reason)
}

/**
 * Decides `req` for the node:http response `res`. A preflight (unless
 * `preflightContinue`) or a request refused by cross-origin protection is answered here
 * with the decision's status and own headers (returns true: the caller must not go on,
 * the application is not called); otherwise the decision is applied when the head is
 * written. `observer` (optional, an Observer of lib/observe.js) is told about the
 * request.
 */
function handleNode(policy, preflightContinue, req, res, observer) {
  const d = decide(policy, req)
  if (observer !== undefined) observer.decided(policy, req) // lib/observe.js
  if (isRefused(d)) {
    answer(res, d)
    return true
  }
  if (!isPreflight(d) || preflightContinue) {
    // With preflightContinue the application answers the preflight: its response is
    // merged like an actual response's (kind 2) instead of being replaced.
    applyOnWriteHead(res, d, isPreflight(d) ? 2 : kindOf(d))
    return false
  }
  answer(res, d)
  return true
}

/**
 * Answers with decision `d` itself (a preflight or a refusal): its status, an empty
 * body, and as headers the decision's own (the rule, with the headers set so far
 * dropped).
 */
function answer(res, d) {
  applyToResponse(res, kindOf(d), d)
  const status = statusOf(d)
  res.statusCode = status
  // An empty body; 204 carries no Content-Length at all (RFC 9110 §8.6).
  if (status !== 204) res.setHeader('Content-Length', '0')
  res.end()
}

/**
 * The WebSocket handshake `req` (an `upgrade` event's request) decided with `policy`:
 * when cross-origin protection refuses it, writes the decision's answer (`HTTP/1.1 403`
 * and its headers, `Vary: Origin`) on `socket`, destroys the socket once written, and
 * returns true; else returns false and leaves the socket alone.
 */
function refuseUpgrade(policy, req, socket) {
  const d = decide(policy, req)
  if (!isRefused(d)) return false
  const lines = decisionLines(d)
  const status = statusOf(d)
  let head = `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\n`
  for (let i = 0; i + 1 < lines.length; i += 2) head += `${lines[i]}: ${lines[i + 1]}\r\n`
  head += 'Content-Length: 0\r\nConnection: close\r\n\r\n'
  if (socket.writable) {
    socket.once('finish', () => socket.destroy())
    socket.end(head)
  } else {
    socket.destroy()
  }
  return true
}

/**
 * The reloadable state of one middleware instance: the current policy and the
 * `setPolicy` / `policy` accessors attached to the function it returns.
 */
function attachPolicy(fn, state) {
  Object.defineProperty(fn, 'policy', {
    get: () => state.policy,
    enumerable: true,
  })
  // Compile first, then swap: an invalid policy throws and the old one stays.
  fn.setPolicy = (input) => {
    state.policy = toPolicy(input)
    return state.policy
  }
  return fn
}

module.exports = {
  Policy,
  PolicySet,
  toPolicy,
  pathOf,
  selectLines,
  decide,
  isPreflight,
  isRefused,
  statusOf,
  applyOnWriteHead,
  handleNode,
  refuseUpgrade,
  attachPolicy,
}
