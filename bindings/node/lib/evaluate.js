'use strict'
// `policy.evaluate(method, headers)` without building the Decision natively: the lines the
// core reads cross into the addon as arguments (NUL-joined beyond four lines), the addon
// writes the decision as numbers into its per-thread buffer (src/encode.rs, read here as
// an Int32Array), and the plain Decision object is
// built here from strings JavaScript already holds: the request's own (the echoed Origin)
// and a per-policy cache of the policy's texts (header values, reasons). Every value still
// comes from the core unchanged; nothing here decides anything. Anything unusual (a
// non-string, a NUL inside a value, more than 32 selected lines) takes the addon's own
// `evaluate`, which also throws its TypeErrors.
//
// Loaded by index.js and lib/shared.js, so every entry of the package installs it.

const native = require('../binding.js')
const { Policy, internedString, policyId, policyRequestHeaderNames, outBuffer, evaluateInto, respondInto, evaluateJoinedInto, respondJoinedInto, spellings } = native

// This thread's decision slots, written by the addon (src/encode.rs has the layout).
const OUT = new Int32Array(outBuffer())
// Where the response rule's lines start in OUT (src/encode.rs `ADDED`: 8 + 2 × 16).
const ADDED = 40
// Per-policy state (`stateOf`): its id, its cache of the addon's string table, the lines
// it reads.
const kState = Symbol('corsgate.state')
// Strings the addon takes by number (src/fast.rs `SPELLINGS`: common methods, then the
// request header names the core reads as it spells them, then the same in lower case): a
// request string equal to one of them crosses as its index, which stands for exactly its
// bytes, instead of being copied.
//
// Every string of these tables (and of the selection tables, `byLength`) is internalized
// (`internalized`): a request's method and header names are often internalized too
// (literals, node:http's method table), and `===` between two internalized strings is an
// address compare, where equal texts held in two different strings are compared
// character by character (`Builtins_StringEqual`, ~180-290 instructions per preflight of
// benches/node/bench.js, benches/README.md "nodepf").
const SPELLINGS = spellings().map(internalized)
const SPELLING = new Map()
SPELLINGS.forEach((s, i) => SPELLING.set(s, i))

/** `s` as V8's internalized copy (the same text): property keys are internalized. */
function internalized(s) {
  return Object.keys({ [s]: 0 })[0]
}

/** `method`, or its index in the addon's spellings. */
function spelled(method) {
  if (method === SPELLINGS[0]) return 0
  const i = SPELLING.get(method)
  return i === undefined ? method : i
}

/**
 * A selection table for the request header names `names`, by length: `t[n]` the first
 * name `n` long (`null`: none), further ones of that length through `next`.
 */
function byLength(names) {
  const t = new Array(256).fill(null)
  for (const given of names) {
    const name = internalized(given)
    const lower = internalized(name.toLowerCase())
    // Three letter positions (first, middle, last letter) and their lower case.
    const letters = []
    for (let i = 0; i < lower.length; i++) if (lower.charCodeAt(i) >= 0x61 && lower.charCodeAt(i) <= 0x7a) letters.push(i)
    const [p0, p1, p2] = [letters[0], letters[(letters.length - 1) >> 1], letters[letters.length - 1]]
    t[name.length] = {
      spelled: SPELLING.get(name),
      spelledLower: SPELLING.get(lower),
      name,
      lower,
      p0,
      c0: lower.charCodeAt(p0),
      p1,
      c1: lower.charCodeAt(p1),
      p2,
      c2: lower.charCodeAt(p2),
      next: t[name.length],
    }
  }
  return t
}

// One selection table per distinct list of names a policy reads (the core's lists: the
// CORS lines, or those and the protection lines).
const TABLES = new Map()
function tableFor(names) {
  const key = names.join('\0')
  let t = TABLES.get(key)
  if (t === undefined) TABLES.set(key, (t = byLength(names)))
  return t
}

/**
 * What crosses for a header line named `name`, with `table` the policy's selection table:
 * `undefined` when the policy does not read such lines (every other line is left out: the
 * core ignores it, `corsgate::Policy::request_header_names`), else the name's spelling
 * index or the name itself.
 *
 * The filter may keep a line the core then ignores (besides the length it compares only
 * three letters of the name, ASCII case-insensitively), never drop one the core reads:
 * the core compares the whole name of every line that crosses. A name crosses as a number
 * only when it equals that spelling exactly.
 */
function crossing(name, table) {
  for (let c = name.length < 256 ? table[name.length] : null; c !== null; c = c.next) {
    if (name === c.name) return c.spelled
    if (name === c.lower) return c.spelledLower
    // A letter of `name` (either case) | 0x20 is its lower case, and nothing else gives
    // a lower-case letter: a necessary condition for equal names.
    if ((name.charCodeAt(c.p0) | 0x20) === c.c0 && (name.charCodeAt(c.p1) | 0x20) === c.c1 && (name.charCodeAt(c.p2) | 0x20) === c.c2) return name
  }
  return undefined
}

/** Table entry `r` of `state`'s policy, cached in `state.strings`. */
function entry(state, r) {
  const s = internedString(state.policy, r)
  state.strings[r] = s
  return s
}

/** Resolves one reference of OUT (see src/encode.rs). */
function str(state, r, sel, fresh) {
  if (r >= 0) {
    const s = state.strings[r]
    return s === undefined ? entry(state, r) : s
  }
  const x = -1 - r
  if ((x & 1) === 1) return fresh[x >> 1]
  const s = sel[x >> 1]
  return typeof s === 'number' ? SPELLINGS[s] : s
}

/**
 * Decides `sel` (`[method, name, value, …]`, the selected lines) with `state`'s policy;
 * `null` when the addon refuses the joined form (a value held a NUL). Leaves the numeric
 * form in OUT and returns the new strings it refers to (or undefined). Up to four lines
 * go as arguments (no string is built; the method and names the addon spells by number
 * as numbers), more NUL-joined. The policy crosses as its id (`state.ref`, src/registry.rs).
 * `respond`: also the response lines (the middleware's form, src/encode.rs `ADDED`).
 */
function decideInto(state, sel, respond = false) {
  const into = respond ? respondInto : evaluateInto
  const p = state.ref
  switch (sel.length) {
    case 1:
      return into(p, sel[0])
    case 3:
      return into(p, sel[0], sel[1], sel[2])
    case 5:
      return into(p, sel[0], sel[1], sel[2], sel[3], sel[4])
    case 7:
      return into(p, sel[0], sel[1], sel[2], sel[3], sel[4], sel[5], sel[6])
    case 9:
      return into(p, sel[0], sel[1], sel[2], sel[3], sel[4], sel[5], sel[6], sel[7], sel[8])
  }
  const n = sel.length - 1
  const text = (s) => (typeof s === 'number' ? SPELLINGS[s] : s)
  let joined = text(sel[1])
  for (let i = 2; i <= n; i++) joined = joined + '\0' + text(sel[i])
  return (respond ? respondJoinedInto : evaluateJoinedInto)(p, text(sel[0]), joined, n)
}

/** Appends the lines of a flat `[name, value, …]` array `table` selects; false on a non-string. */
function selectFlat(sel, raw, table) {
  if (raw.length % 2 !== 0) return false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    const value = raw[i + 1]
    if (typeof name !== 'string' || typeof value !== 'string') return false
    const c = crossing(name, table)
    if (c !== undefined) sel.push(c, value)
  }
  return true
}

/** `[[name, value], …]`; false on anything else. */
function selectPairs(sel, pairs, table) {
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]
    if (!Array.isArray(p) || p.length !== 2) return false
    const name = p[0]
    const value = p[1]
    if (typeof name !== 'string' || typeof value !== 'string') return false
    const c = crossing(name, table)
    if (c !== undefined) sel.push(c, value)
  }
  return true
}

/** `IncomingHttpHeaders` (`for…in` keys, as the addon's reader); false on odd values. */
function selectObject(sel, obj, table) {
  for (const name in obj) {
    const v = obj[name]
    if (v === undefined) continue
    if (typeof v === 'string') {
      const c = crossing(name, table)
      if (c !== undefined) sel.push(c, v)
    } else if (Array.isArray(v)) {
      for (let j = 0; j < v.length; j++) if (typeof v[j] !== 'string') return false
      const c = crossing(name, table)
      if (c !== undefined) for (let j = 0; j < v.length; j++) sel.push(c, v[j])
    } else {
      return false
    }
  }
  return true
}

/**
 * `[method, name, value, …]` for a request the fast form takes, else undefined; the
 * lines `table` (the policy's selection table, `state.table`) selects.
 */
function select(method, headers, table) {
  if (typeof method !== 'string') return undefined
  const sel = [spelled(method)]
  if (headers === undefined || headers === null) return sel
  if (Array.isArray(headers)) {
    if (headers.length === 0) return sel
    const ok = typeof headers[0] === 'string' ? selectFlat(sel, headers, table) : selectPairs(sel, headers, table)
    return ok ? sel : undefined
  }
  if (typeof headers === 'object') return selectObject(sel, headers, table) ? sel : undefined
  return undefined
}

// The state of policies that cannot hold it as a property (frozen, sealed).
const STATES = new WeakMap()

/**
 * `policy`'s state, made on first use: `ref` (its id on this thread, src/registry.rs,
 * or the policy itself when it has none), `strings` (its cache of the addon's string
 * table), `table` (the selection table of the lines it reads). `undefined` when `policy`
 * is not a Policy the addon wrapped (the caller then takes the addon's own method, which
 * throws its error).
 */
function stateOf(policy) {
  let state = policy[kState]
  if (state !== undefined) return state
  state = STATES.get(policy)
  if (state !== undefined) return state
  let id
  let names
  try {
    id = policyId(policy)
    names = policyRequestHeaderNames(policy)
  } catch {
    return undefined
  }
  state = { policy, ref: id === null ? policy : id, strings: [], table: tableFor(names) }
  if (Object.isExtensible(policy)) policy[kState] = state
  else STATES.set(policy, state)
  return state
}

/** `policy`'s cache of the addon's string table (for tests). */
function stringsOf(policy) {
  return stateOf(policy).strings
}

/** The plain Decision object from OUT (the addon's `Decision`, field for field). */
function toDecision(state, sel, fresh) {
  const n = OUT[7]
  const headers = new Array(n)
  for (let i = 0; i < n; i++) {
    headers[i] = [str(state, OUT[8 + 2 * i], sel, fresh), str(state, OUT[9 + 2 * i], sel, fresh)]
  }
  return {
    kind: str(state, OUT[3], sel, fresh),
    allowed: OUT[1] === 1,
    status: OUT[2] < 0 ? null : OUT[2],
    headers,
    reason: str(state, OUT[5], sel, fresh),
    reasonCode: str(state, OUT[4], sel, fresh),
    reasonDetail: str(state, OUT[6], sel, fresh),
  }
}

// The addon's own method (napi-rs): the reference behaviour, and the path for odd input.
const nativeEvaluate = Policy.prototype.evaluate

/** Decides one request (see index.d.ts): the same object as the addon's `evaluate`. */
function evaluate(method, headers) {
  const state = this instanceof Policy ? stateOf(this) : undefined
  if (state === undefined) return nativeEvaluate.call(this, method, headers)
  const sel = select(method, headers, state.table)
  if (sel !== undefined && sel.length <= 65) {
    const fresh = decideInto(state, sel)
    if (fresh !== null) return toDecision(state, sel, fresh)
  }
  return nativeEvaluate.call(this, method, headers)
}

// Same descriptor as the addon's method (writable, enumerable, configurable).
Object.defineProperty(Policy.prototype, 'evaluate', { value: evaluate, writable: true, enumerable: true, configurable: true })

module.exports = { OUT, ADDED, kState, crossing, tableFor, SPELLINGS, select, decideInto, toDecision, str, stateOf, stringsOf, nativeEvaluate }
