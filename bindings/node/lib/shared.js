'use strict'
// Shared plumbing of the node:http, Express and Fastify adapters. Nothing here decides
// anything about CORS: the native Policy returns the decision (kind, status, headers) and
// these helpers only copy it onto a response, merging `Vary` with what is already there.

// The addon's full exports, internals included (the package's public entry, index.js,
// re-exports only the documented API).
const native = require('../binding.js')
const { Policy, headerNames, requestHeaderNames } = native

// The core's response header names; the fast decision form names them by letter.
const NAMES = headerNames()
const VARY = NAMES.indexOf('Vary')
// Lengths of the request header names the core reads: only lines with such a name
// length cross into the addon (the core still compares the names themselves).
const WANTED_LENGTH = new Uint8Array(256)
for (const n of requestHeaderNames()) WANTED_LENGTH[n.length] = 1

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

/** A compiled Policy from a Policy, a policy object or its JSON text (throws on errors). */
function toPolicy(input) {
  if (input instanceof Policy) return input
  if (input === undefined || input === null) {
    const e = new TypeError('corsgate: a policy is required (a Policy, a policy object or its JSON text)')
    e.code = 'ERR_INVALID_ARG_TYPE'
    throw e
  }
  return new Policy(input)
}

/**
 * Merges comma-separated `Vary` tokens: keeps `existing`, appends each token of `add`
 * not already present (case-insensitively); `*` absorbs everything.
 */
function mergeVary(existing, add) {
  if (existing === undefined || existing === null || existing === '') return add
  const have = Array.isArray(existing) ? existing.join(', ') : String(existing)
  const seen = new Set()
  const out = []
  for (const raw of (have + ',' + add).split(',')) {
    const t = raw.trim()
    if (t === '') continue
    if (t === '*') return '*'
    const k = t.toLowerCase()
    if (!seen.has(k)) {
      seen.add(k)
      out.push(t)
    }
  }
  return out.join(', ')
}

// Per-policy memo of decisions (see `decide`): per method at most MEMO_MAX entries
// (then that method's starts over), at most MEMO_METHODS_MAX methods (then all start
// over), keys of at most MEMO_KEY_MAX characters: at most about 8 MiB per policy.
const kMemo = Symbol('corsgate.memo')
const MEMO_MAX = 1024
const MEMO_KEY_MAX = 1024
const MEMO_METHODS_MAX = 8

/** The fast form's text → `[head, name, value, …]` with each letter resolved to its name. */
function parseFast(s) {
  const d = s.split('\0')
  for (let i = 1; i < d.length; i += 2) {
    if (d[i].length === 1) d[i] = NAMES[d[i].charCodeAt(0) - 65]
  }
  return d
}

/**
 * Decides a Node request. Returns the decision as `[head, name, value, name, value, …]`
 * where `head` is `"<kind><allowed><status>"`: kind `0` not CORS, `1` preflight,
 * `2` actual; allowed `0`/`1`; the status digits only for preflights.
 *
 * Fast path: the relevant `rawHeaders` lines, NUL-joined, cross into the addon as one
 * string (the addon checks that it splits back into exactly `count` strings, so a value
 * holding a NUL cannot forge a header line; then the array form is used instead).
 */
function decide(policy, req) {
  const raw = req.rawHeaders
  const method = req.method
  if (Array.isArray(raw) && raw.length % 2 === 0) {
    const sel = selectLines(raw)
    // A policy is immutable and a decision a pure function of (method, these lines):
    // recent answers are kept per policy and method, keyed by exactly what the core
    // would read. Entries are never mutated.
    let memo = policy[kMemo]
    if (memo === undefined) {
      memo = new Map()
      policy[kMemo] = memo
    }
    // The key carries the line count too: a value holding a NUL must never alias a
    // request with more lines.
    const key = `${sel.count}\0${sel.joined}`
    let byLines = memo.get(method)
    let d = byLines === undefined ? undefined : byLines.get(key)
    if (d !== undefined) return d
    const s = native.decide(policy, method, sel.joined, sel.count)
    if (s !== null) {
      d = parseFast(s)
      if (sel.joined.length <= MEMO_KEY_MAX && typeof method === 'string') {
        if (byLines === undefined || byLines.size >= MEMO_MAX) {
          if (memo.size >= MEMO_METHODS_MAX) memo.clear()
          byLines = new Map()
          memo.set(method, byLines)
        }
        byLines.set(key, d)
      }
      return d
    }
  }
  const c = native.decideCompact(policy, method, Array.isArray(raw) && raw.length % 2 === 0 ? raw : req.headers)
  c[2] = `${c[0]}${c[1] ? 1 : 0}${c[2] === null ? '' : c[2]}`
  return c.slice(2)
}

const isPreflight = (d) => d[0].charCodeAt(0) === 49 // '1'
const statusOf = (d) => Number(d[0].slice(2))
const VARY_NAME = NAMES[VARY]

/**
 * Copies a decision's headers (see `decide`) onto a response through
 * `get(target, name)` / `set(target, name, value)`. A name that repeats (one
 * Access-Control-Allow-Headers per request line) is sent as several lines.
 * Returns the decision's own `Vary` value (undefined when it has none).
 */
function applyHeaders(d, target, get, set) {
  let vary
  for (let i = 1; i < d.length; i += 2) {
    const name = d[i]
    if (name === VARY_NAME) {
      vary = d[i + 1]
      set(target, name, mergeVary(get(target, name), vary))
    } else if (i > 1 && d[i - 2] === name) {
      const prev = get(target, name)
      set(target, name, Array.isArray(prev) ? prev.concat(d[i + 1]) : [prev, d[i + 1]])
    } else {
      set(target, name, d[i + 1])
    }
  }
  return vary
}

const getNodeHeader = (res, n) => res.getHeader(n)
const setNodeHeader = (res, n, v) => res.setHeader(n, v)

/**
 * Decides `req` and applies the headers to the node:http response `res`. Returns true
 * when the request was a preflight and has been answered (the caller must not go on).
 */
function handleNode(policy, preflightContinue, req, res) {
  const d = decide(policy, req)
  applyHeaders(d, res, getNodeHeader, setNodeHeader)
  if (!isPreflight(d) || preflightContinue) return false
  const status = statusOf(d)
  res.statusCode = status
  // An empty body; 204 carries no Content-Length at all (RFC 9110 §8.6).
  if (status !== 204) res.setHeader('Content-Length', '0')
  res.end()
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

module.exports = { Policy, toPolicy, mergeVary, selectLines, decide, isPreflight, statusOf, applyHeaders, handleNode, attachPolicy }
