// The JavaScript side of @corsgate/wasm: binds an instance of corsgate.wasm to the
// `Policy` API. It moves strings in and out of the module's memory and shapes the
// results; it decides nothing. Every verdict, header, reason, error code and message
// comes from the Rust core (see src/lib.rs for the exports and src/wire.rs for the
// byte formats).
//
// Per call: the request's strings are joined with NUL bytes and encoded into the
// module's memory in one `TextEncoder.encodeInto`, the export runs, and its output is
// decoded in one `TextDecoder.decode` (or a Latin-1 copy when it is ASCII).

const KINDS = ['not_cors', 'preflight', 'actual', 'refused']
const NO_INPUT = 0xffffffff

/** A `TypeError` with Node's `code: 'ERR_INVALID_ARG_TYPE'`. */
export function typeError(message) {
  const e = new TypeError(message)
  e.code = 'ERR_INVALID_ARG_TYPE'
  return e
}

/**
 * Appends the header lines of `headers` to `out` as `name, value, name, value, …`.
 * Accepts a Fetch `Headers` (or anything with `entries()` that is not an array), an
 * array of `[name, value]` pairs, a flat `[name, value, …]` array (Node's
 * `rawHeaders`), a plain object `{ name: value | value[] }`, `null` or `undefined`.
 */
export function flattenHeaders(headers, out) {
  if (headers === undefined || headers === null) return out
  if (Array.isArray(headers)) {
    if (headers.length === 0) return out
    if (Array.isArray(headers[0])) {
      for (let i = 0; i < headers.length; i++) {
        const p = headers[i]
        if (!Array.isArray(p) || p.length !== 2) {
          throw typeError(`corsgate: headers[${i}] must be a [name, value] pair`)
        }
        out.push(str(p[0], 'a header name'), str(p[1], 'a header value'))
      }
    } else {
      if (headers.length % 2 !== 0) {
        throw typeError('corsgate: a rawHeaders array must alternate names and values (odd length)')
      }
      for (let i = 0; i < headers.length; i++) {
        out.push(str(headers[i], i % 2 === 0 ? 'a header name' : 'a header value'))
      }
    }
    return out
  }
  if (typeof headers !== 'object') {
    throw typeError(
      'corsgate: headers must be a Headers object, a plain object, a rawHeaders array or an array of [name, value] pairs',
    )
  }
  if (typeof headers.entries === 'function' && typeof headers.get === 'function') {
    for (const [n, v] of headers.entries()) out.push(n, v)
    return out
  }
  for (const n of Object.keys(headers)) {
    const v = headers[n]
    if (v === undefined) continue
    if (Array.isArray(v)) {
      for (const one of v) out.push(n, str(one, 'a header value'))
    } else {
      out.push(n, str(v, 'a header value'))
    }
  }
  return out
}

function str(v, what) {
  if (typeof v !== 'string') throw typeError(`corsgate: ${what} must be a string`)
  return v
}

/**
 * Binds a `WebAssembly.Instance` of corsgate.wasm. Returns the package's API:
 * `{ Policy, PolicySet, isPolicySet, version, requestHeaderNames, applyDecision,
 * mergeLines }` (`mergeLines` is the middleware's internal form of `applyDecision`).
 */
export function bind(instance) {
  const x = instance.exports
  const memory = x.memory
  const encoder = new TextEncoder()
  const decoder = new TextDecoder('utf-8')
  let mem = new Uint8Array(memory.buffer)
  let inPtr = 0
  let inCap = 0
  let inView = null
  let trapped = null

  /** The memory view, renewed after the module's memory grew (old views detach). */
  function view() {
    if (mem.byteLength === 0 || mem.buffer !== memory.buffer) {
      mem = new Uint8Array(memory.buffer)
      inView = inCap > 0 ? mem.subarray(inPtr, inPtr + inCap) : null
    }
    return mem
  }

  /** Runs an export; a trap (a bug in the module) poisons this instance. */
  function call(f) {
    if (trapped !== null) throw trapped
    try {
      return f()
    } catch (e) {
      if (e instanceof WebAssembly.RuntimeError) {
        trapped = new Error(`corsgate: the WebAssembly module trapped (${e.message}); this instance is unusable`)
        trapped.code = 'ERR_CORSGATE_TRAP'
        trapped.cause = e
        throw trapped
      }
      throw e
    }
  }

  /** Makes the input buffer at least `need` bytes. */
  function reserve(need) {
    if (need <= inCap) {
      view()
      return
    }
    let cap = Math.max(256, inCap * 2)
    while (cap < need) cap *= 2
    if (inCap > 0) x.cg_free(inPtr, inCap)
    inCap = 0
    const p = call(() => x.cg_alloc(cap))
    if (p === 0) throw new RangeError(`corsgate: cannot allocate ${cap} bytes in the WebAssembly memory`)
    inPtr = p
    inCap = cap
    mem = new Uint8Array(memory.buffer)
    inView = mem.subarray(inPtr, inPtr + inCap)
  }

  /** Encodes `s` into the input buffer; returns its byte length. */
  function writeInput(s) {
    // UTF-8 takes at most 3 bytes per UTF-16 unit.
    reserve(s.length * 3 + 1)
    return encoder.encodeInto(s, inView).written
  }

  /** Writes the strings length-prefixed (u32 LE); returns the byte length. */
  function writePrefixed(parts) {
    let need = 0
    for (const s of parts) need += 4 + s.length * 3
    reserve(need + 1)
    let at = 0
    for (const s of parts) {
      const w = encoder.encodeInto(s, inView.subarray(at + 4)).written
      inView[at] = w & 255
      inView[at + 1] = (w >>> 8) & 255
      inView[at + 2] = (w >>> 16) & 255
      inView[at + 3] = w >>> 24
      at += 4 + w
    }
    return at
  }

  /** The output buffer's first `len` bytes as a string. */
  function readOut(len) {
    const m = view()
    const p = x.cg_out_ptr()
    if (len <= 64) {
      // Short output: a Latin-1 copy when it is ASCII beats TextDecoder's call overhead.
      let ascii = true
      for (let i = p; i < p + len; i++) {
        if (m[i] > 127) {
          ascii = false
          break
        }
      }
      if (ascii) return String.fromCharCode.apply(null, m.subarray(p, p + len))
    }
    return decoder.decode(m.subarray(p, p + len))
  }

  /**
   * Evaluates `[method, name, value, …]` (strings; for a set `[method, path, name,
   * value, …]` with `evaluate = x.cg_set_evaluate`) in `mode`; returns the output text.
   */
  function run(h, parts, mode, evaluate = x.cg_evaluate) {
    const joined = parts.length === 1 ? parts[0] : parts.join('\0')
    const len = writeInput(joined)
    // Exports return i32: `>>> 0` reads the u32.
    let n = call(() => evaluate(h, inPtr, len, parts.length, mode)) >>> 0
    if (n === NO_INPUT) {
      // A string held a NUL byte: send the same strings length-prefixed.
      const plen = writePrefixed(parts)
      n = call(() => evaluate(h, inPtr, plen, parts.length, mode | 4)) >>> 0
    }
    return readOut(n)
  }

  /** The compact output (mode 0/1) → `[head, code, name, value, …, reason?]` pieces. */
  function parse(text, withReason) {
    const d = text.split('\0')
    const head = d[0]
    const n = head.charCodeAt(2) - 97
    const headers = new Array(n)
    for (let i = 0; i < n; i++) headers[i] = [d[2 + 2 * i], d[3 + 2 * i]]
    const out = {
      kind: KINDS[head.charCodeAt(0) - 48],
      allowed: head.charCodeAt(1) === 49,
      status: head.length > 3 ? Number(head.slice(3)) : null,
      headers,
      reason: withReason ? d.slice(2 + 2 * n).join('\0') : undefined,
      reasonCode: d[1],
    }
    if (!withReason) delete out.reason
    return out
  }

  function request(method, headers) {
    if (typeof method !== 'string') throw typeError('corsgate: method must be a string')
    return flattenHeaders(headers, [method])
  }

  /**
   * Writes a configuration argument (an object, its JSON text, or its bytes) into the
   * input buffer; returns its byte length. `call` and `what` name it in a TypeError.
   */
  function writeConfig(config, call, what) {
    let text
    if (typeof config === 'string') {
      text = config
    } else if (config instanceof Uint8Array || config instanceof ArrayBuffer) {
      const bytes = config instanceof ArrayBuffer ? new Uint8Array(config) : config
      reserve(bytes.length + 1)
      inView.set(bytes)
      return bytes.length
    } else if (config !== null && typeof config === 'object') {
      try {
        text = JSON.stringify(config)
      } catch (e) {
        throw typeError(`corsgate: the ${what} object cannot be read as JSON: ${e.message}`)
      }
    } else {
      throw typeError(`corsgate: ${call} takes a ${what} object, its JSON text or its bytes`)
    }
    return writeInput(text)
  }

  /** The config error a failed compile left in the output buffer, as an Error. */
  function configError() {
    const info = JSON.parse(readOut(x.cg_out_len()))
    const e = new Error(info.message)
    e.code = info.code
    e.errors = info.errors
    e.warnings = info.warnings
    return e
  }

  /** Whether a configuration (object, text or bytes) is a policy set (the core's rule). */
  function isPolicySet(config) {
    if (config !== null && typeof config === 'object' && !(config instanceof Uint8Array) && !(config instanceof ArrayBuffer)) {
      return Object.prototype.hasOwnProperty.call(config, 'policies')
    }
    if (typeof config !== 'string' && !(config instanceof Uint8Array) && !(config instanceof ArrayBuffer)) return false
    const len = writeConfig(config, 'isPolicySet(config)', 'policy')
    return call(() => x.cg_is_set(inPtr, len)) === 1
  }

  /** Frees handles with `release` when their object is garbage-collected (where supported). */
  const finalizer = (release) =>
    typeof FinalizationRegistry === 'function'
      ? new FinalizationRegistry((h) => {
          if (trapped === null) release(h)
        })
      : null
  const free = finalizer((h) => x.cg_policy_free(h))

  /** A compiled, immutable CORS policy. See index.d.ts. */
  class Policy {
    #h
    #warnings
    constructor(config) {
      const len = writeConfig(config, 'new Policy(config)', 'policy')
      const h = call(() => x.cg_policy_new(inPtr, len))
      if (h === 0) throw configError()
      this.#h = h
      if (free !== null) free.register(this, h, this)
    }

    /** Compiles a policy from JSON text. */
    static fromJson(text) {
      if (typeof text !== 'string') throw typeError('corsgate: Policy.fromJson(text) takes a string')
      return new Policy(text)
    }

    /** The live handle; throws after `free()`. */
    #handle() {
      if (this.#h === 0) throw new Error('corsgate: this Policy was freed')
      return this.#h
    }

    /** Decides one request. */
    evaluate(method, headers) {
      return parse(run(this.#handle(), request(method, headers), 1), true)
    }

    /** The decision as the JSON line of `corsgate eval --jsonl`. */
    evaluateJson(method, headers) {
      return run(this.#handle(), request(method, headers), 2)
    }

    /** `[kind, allowed, status, name, value, …]` (kind 0/1/2), like the Node addon. */
    decideCompact(method, headers) {
      const d = parse(run(this.#handle(), request(method, headers), 0), false)
      const out = [KINDS.indexOf(d.kind), d.allowed, d.status]
      for (const [n, v] of d.headers) out.push(n, v)
      return out
    }

    /**
     * Internal (middleware): decides `[method, name, value, …]` already flattened;
     * returns `{ kind, allowed, status, headers, reasonCode }` without the reason text.
     */
    _decide(parts) {
      return parse(run(this.#handle(), parts, 0), false)
    }

    /** Whether a request from `origin` would be allowed to read a response. */
    isOriginAllowed(origin) {
      if (typeof origin !== 'string') return false
      const h = this.#handle()
      const len = writeInput(origin)
      return call(() => x.cg_origin_allowed(h, inPtr, len)) === 1
    }

    /** Warnings found while compiling. */
    get warnings() {
      if (this.#warnings === undefined) {
        const h = this.#handle()
        this.#warnings = JSON.parse(readOut(call(() => x.cg_policy_warnings(h))))
      }
      return this.#warnings.map((d) => ({ ...d }))
    }

    /** The policy as written, every field present. */
    get config() {
      const h = this.#handle()
      return JSON.parse(readOut(call(() => x.cg_policy_config(h))))
    }

    toJSON() {
      return this.config
    }

    /** Releases the compiled policy now (otherwise when garbage-collected). */
    free() {
      if (this.#h !== 0) {
        if (free !== null) free.unregister(this)
        const h = this.#h
        this.#h = 0
        call(() => x.cg_policy_free(h))
      }
    }
  }

  const freeSet = finalizer((h) => x.cg_set_free(h))

  /** A compiled, immutable policy set (DESIGN "Policy sets"). See index.d.ts. */
  class PolicySet {
    #h
    #info
    constructor(config) {
      const len = writeConfig(config, 'new PolicySet(config)', 'policy set')
      const h = call(() => x.cg_set_new(inPtr, len))
      if (h === 0) throw configError()
      this.#h = h
      if (freeSet !== null) freeSet.register(this, h, this)
    }

    /** Compiles a policy set from JSON text. */
    static fromJson(text) {
      if (typeof text !== 'string') throw typeError('corsgate: PolicySet.fromJson(text) takes a string')
      return new PolicySet(text)
    }

    #handle() {
      if (this.#h === 0) throw new Error('corsgate: this PolicySet was freed')
      return this.#h
    }

    /** `{ warnings, policies, routes }`, read once. */
    #about() {
      if (this.#info === undefined) {
        const h = this.#handle()
        this.#info = JSON.parse(readOut(call(() => x.cg_set_info(h))))
      }
      return this.#info
    }

    /** `[method, path, name, value, …]` of a request. */
    #request(method, headers, path) {
      if (typeof method !== 'string') throw typeError('corsgate: method must be a string')
      if (path === undefined) path = '/'
      else if (typeof path !== 'string') throw typeError('corsgate: path must be a string')
      return flattenHeaders(headers, [method, path])
    }

    /** Splits the route prefix off a set's compact output: `[route | null, rest]`. */
    #split(text) {
      const i = text.indexOf('\0')
      return [i === 0 ? null : Number(text.slice(0, i)), text.slice(i + 1)]
    }

    /** `decision` plus `policy` and `route` of the route `route` (null: none). */
    #named(d, route) {
      d.policy = route === null ? null : this.#about().routes[route].policy
      d.route = route
      return d
    }

    /**
     * Decides one request: the route is selected by the request's `Host` line (in
     * `headers`) and `path` (default `/`), then its policy decides.
     */
    evaluate(method, headers, path) {
      const [route, rest] = this.#split(run(this.#handle(), this.#request(method, headers, path), 1, x.cg_set_evaluate))
      return this.#named(parse(rest, true), route)
    }

    /** The decision as the JSON line of `corsgate eval --jsonl` for a set. */
    evaluateJson(method, headers, path) {
      return run(this.#handle(), this.#request(method, headers, path), 2, x.cg_set_evaluate)
    }

    /** `[kind, allowed, status, name, value, …]`, like `Policy.decideCompact`. */
    decideCompact(method, headers, path) {
      const [, rest] = this.#split(run(this.#handle(), this.#request(method, headers, path), 0, x.cg_set_evaluate))
      const d = parse(rest, false)
      const out = [KINDS.indexOf(d.kind), d.allowed, d.status]
      for (const [n, v] of d.headers) out.push(n, v)
      return out
    }

    /**
     * Internal (middleware): decides `[method, path, name, value, …]` already
     * flattened; `{ kind, allowed, status, headers, reasonCode, policy, route }`.
     */
    _decide(parts) {
      const [route, rest] = this.#split(run(this.#handle(), parts, 0, x.cg_set_evaluate))
      return this.#named(parse(rest, false), route)
    }

    /** Warnings of every policy, each named by its path. */
    get warnings() {
      return this.#about().warnings.map((d) => ({ ...d }))
    }

    /** The policy names, in file order. */
    get policyNames() {
      return [...this.#about().policies]
    }

    /** The routes as written (a decision's `route` indexes this list). */
    get routes() {
      return this.#about().routes.map((r) => ({ ...r }))
    }

    /** Releases the compiled set now (otherwise when garbage-collected). */
    free() {
      if (this.#h !== 0) {
        if (freeSet !== null) freeSet.unregister(this)
        const h = this.#h
        this.#h = 0
        call(() => x.cg_set_free(h))
      }
    }
  }

  /**
   * The core's response rule on a decision of kind code `kind` (0/1/2), its header
   * pairs `decision` and the application's flat `app` lines (`[name, value, …]`).
   * Returns `{ drop, added }`: `drop` the positions (in lines) of the application's
   * lines the final response leaves out, `added` the `[name, value]` lines the decision
   * adds after the kept ones.
   */
  function mergeLines(kind, decision, app) {
    const parts = []
    for (const [n, v] of decision) parts.push(n, v)
    for (const s of app) parts.push(s)
    const len = writeInput(parts.join('\0'))
    let n = call(() => x.cg_merge(kind, inPtr, len, parts.length, decision.length, 0)) >>> 0
    if (n === NO_INPUT) {
      const plen = writePrefixed(parts)
      n = call(() => x.cg_merge(kind, inPtr, plen, parts.length, decision.length, 1)) >>> 0
    }
    if (n === NO_INPUT - 1) throw typeError(`corsgate: unknown decision kind ${kind}`)
    const d = readOut(n).split('\0')
    const drop = d[0] === '' ? [] : d[0].split(',').map(Number)
    const added = []
    for (let i = 1; i + 1 < d.length; i += 2) added.push([d[i], d[i + 1]])
    return { drop, added }
  }

  /**
   * The response after `decision` (from `evaluate`) is applied to the application's
   * response headers `appHeaders` (any `HeadersInput` shape): the core's response rule.
   * Returns `[name, value]` lines. For a preflight, the decision's own headers.
   */
  function applyDecision(decision, appHeaders) {
    if (decision === null || typeof decision !== 'object' || !Array.isArray(decision.headers)) {
      throw typeError('corsgate: applyDecision(decision, appHeaders) takes a decision from evaluate()')
    }
    const kind = KINDS.indexOf(decision.kind)
    if (kind < 0) throw typeError(`corsgate: unknown decision kind ${decision.kind}`)
    const app = flattenHeaders(appHeaders, [])
    const { drop, added } = mergeLines(kind, decision.headers, app)
    const gone = new Set(drop)
    const out = []
    for (let i = 0; i + 1 < app.length; i += 2) if (!gone.has(i / 2)) out.push([app[i], app[i + 1]])
    return out.concat(added)
  }

  function version() {
    return readOut(call(() => x.cg_version()))
  }

  function requestHeaderNames() {
    return readOut(call(() => x.cg_request_header_names())).split('\0')
  }

  return { Policy, PolicySet, isPolicySet, version, requestHeaderNames, applyDecision, mergeLines }
}
