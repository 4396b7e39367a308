'use strict'
// Dynamic origins: an application callback (`cors`'s and `@fastify/cors`'s `origin:
// fn`) consulted only when the compiled policy denies a request's origin, its answers
// cached in a bounded cache with a TTL.
//
// Nothing here decides a verdict: a "yes" from the callback compiles a policy that is
// the base policy with `origins` replaced by that one exact origin (cached with the
// answer), and the core decides the request against it — headers, methods, request
// headers, credentials and the response rule all stay the core's. A "no", a callback
// error, or an origin the core refuses to compile (malformed, `null`, insecure with
// credentials) leaves the base policy's deny in force.
//
// Invariants: the callback is called at most once per origin per TTL (concurrent
// requests from one origin share one call); the cache holds at most `max` origins
// (the oldest entry is dropped first); cost per request when the base policy allows
// the origin: one native `isOriginAllowed` call.

const { Policy } = require('../binding.js')

/** The symbol under which a base Policy carries its DynamicOrigins. */
const kDynamic = Symbol('corsgate.dynamicOrigins')

const DEFAULT_MAX = 1000
const DEFAULT_TTL_MS = 60_000

/** The request's one `Origin` line, or null (none, or several: the core denies those). */
function originOf(req) {
  const raw = req.rawHeaders
  let found = null
  if (Array.isArray(raw)) {
    for (let i = 0; i + 1 < raw.length; i += 2) {
      if (raw[i].length === 6 && raw[i].toLowerCase() === 'origin') {
        if (found !== null) return null
        found = raw[i + 1]
      }
    }
    return found
  }
  const o = req.headers && req.headers.origin
  return typeof o === 'string' ? o : null
}

class DynamicOrigins {
  /**
   * @param {Policy} base the compiled policy (its `origins` are checked first)
   * @param {(origin: string, cb: (err: unknown, allow?: unknown) => void) => unknown} callback
   *   `cb(null, true)` allows the origin; `false` (or nothing) denies it; a Promise
   *   result is awaited. Any other answer is an error (passed to `next(err)`).
   * @param {{ max?: number, ttlMs?: number, thisArg?: unknown }} [options]
   */
  constructor(base, callback, options = {}) {
    this.base = base
    this.callback = callback
    this.max = options.max ?? DEFAULT_MAX
    this.ttlMs = options.ttlMs ?? DEFAULT_TTL_MS
    this.thisArg = options.thisArg
    if (!Number.isInteger(this.max) || this.max < 1) throw new TypeError('corsgate: dynamic origins: max must be a positive integer')
    if (!(this.ttlMs >= 0)) throw new TypeError('corsgate: dynamic origins: ttlMs must be >= 0')
    /** origin → { expires, policy: Policy | null } (insertion order = age). */
    this.cache = new Map()
    /** origin → callbacks waiting for the answer being fetched. */
    this.inflight = new Map()
    this.config = null
  }

  /** The cached entry for `origin` when still fresh, else undefined (stale ones dropped). */
  entry(origin) {
    const e = this.cache.get(origin)
    if (e === undefined) return undefined
    if (e.expires <= Date.now()) {
      this.cache.delete(origin)
      return undefined
    }
    return e
  }

  /**
   * The policy that decides `req`: the derived policy of a cached "yes" for an origin
   * the base policy denies, else the base policy. Synchronous: `prepare` fetched it.
   */
  policyFor(req) {
    const origin = originOf(req)
    if (origin === null || this.base.isOriginAllowed(origin)) return this.base
    const e = this.entry(origin)
    return e !== undefined && e.policy !== null ? e.policy : this.base
  }

  /**
   * Makes sure the callback's answer for `req`'s origin is cached, then calls
   * `done(err)`. Returns true when nothing had to be fetched (done not called).
   */
  prepare(req, done) {
    const origin = originOf(req)
    if (origin === null || this.base.isOriginAllowed(origin) || this.entry(origin) !== undefined) return true
    const waiting = this.inflight.get(origin)
    if (waiting !== undefined) {
      waiting.push(done)
      return false
    }
    this.inflight.set(origin, [done])
    let settled = false
    const finish = (err, answer) => {
      if (settled) return
      settled = true
      const list = this.inflight.get(origin) || []
      this.inflight.delete(origin)
      if (err === null || err === undefined) {
        if (answer === true) this.store(origin, this.derive(origin))
        else if (answer === false || answer === undefined || answer === null) this.store(origin, null)
        else err = new TypeError(`corsgate: the origin callback must answer true or false, got ${typeof answer}`)
      }
      for (const cb of list) cb(err === undefined ? null : err)
    }
    try {
      const r = this.callback.call(this.thisArg, origin, finish)
      if (r && typeof r.then === 'function') r.then((v) => finish(null, v), (e) => finish(e ?? new Error('origin callback rejected')))
    } catch (e) {
      finish(e)
    }
    return false
  }

  /** The base policy with `origins` = [origin], or null when the core refuses it. */
  derive(origin) {
    if (this.config === null) this.config = this.base.config
    try {
      return new Policy({ ...this.config, origins: [origin] })
    } catch {
      return null
    }
  }

  store(origin, policy) {
    this.cache.delete(origin)
    if (this.cache.size >= this.max) this.cache.delete(this.cache.keys().next().value)
    this.cache.set(origin, { expires: Date.now() + this.ttlMs, policy })
  }
}

/** Attaches a DynamicOrigins to `policy` (returned). */
function withDynamicOrigins(policy, callback, options) {
  policy[kDynamic] = new DynamicOrigins(policy, callback, options)
  return policy
}

/** The policy that decides `req`: `policy` itself unless it carries dynamic origins. */
function policyFor(policy, req) {
  const dyn = policy[kDynamic]
  return dyn === undefined ? policy : dyn.policyFor(req)
}

/**
 * Runs `go()` once `policy`'s dynamic origins (if any) know `req`'s origin; a callback
 * error goes to `fail(err)`.
 */
function whenReady(policy, req, go, fail) {
  const dyn = policy[kDynamic]
  if (dyn === undefined || dyn.prepare(req, (err) => (err ? fail(err) : go()))) go()
}

module.exports = { DynamicOrigins, withDynamicOrigins, policyFor, whenReady, kDynamic, originOf }
