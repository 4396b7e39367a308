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
const { Policy, internedString, requestHeaderNames, outBuffer, evaluateInto, respondInto, evaluateJoinedInto, respondJoinedInto, spellings } = native

// This thread's decision slots, written by the addon (src/encode.rs has the layout).
const OUT = new Int32Array(outBuffer())
// Where the response rule's lines start in OUT (src/encode.rs `ADDED`: 8 + 2 × 16).
const ADDED = 40
// Per-policy cache of the addon's string table (entry r, fetched once).
const kStrings = Symbol('corsgate.strings')
// Strings the addon takes by number (src/fast.rs `SPELLINGS`: common methods, then the
// request header names the core reads as it spells them, then the same in lower case): a
// request string equal to one of them crosses as its index, which stands for exactly its
// bytes, instead of being copied.
const SPELLINGS = spellings()
const SPELLING = new Map()
SPELLINGS.forEach((s, i) => SPELLING.set(s, i))

/** `method`, or its index in the addon's spellings. */
function spelled(method) {
  if (method === SPELLINGS[0]) return 0
  const i = SPELLING.get(method)
  return i === undefined ? method : i
}

// The request header names the core reads, by length: `BY_LENGTH[n]` the first name `n`
// long (`null`: none), further ones of that length through `next`.
const BY_LENGTH = new Array(256).fill(null)
for (const name of requestHeaderNames()) {
  const lower = name.toLowerCase()
  // Three letter positions (first, middle, last letter) and their lower case.
  const letters = []
  for (let i = 0; i < lower.length; i++) if (lower.charCodeAt(i) >= 0x61 && lower.charCodeAt(i) <= 0x7a) letters.push(i)
  const [p0, p1, p2] = [letters[0], letters[(letters.length - 1) >> 1], letters[letters.length - 1]]
  BY_LENGTH[name.length] = {
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
    next: BY_LENGTH[name.length],
  }
}

/**
 * What crosses for a header line named `name`: `undefined` when the core does not read
 * such lines (every other line is left out: the core ignores it,
 * corsgate::names::REQUEST_HEADERS), else the name's spelling index or the name itself.
 *
 * The filter may keep a line the core then ignores (besides the length it compares only
 * three letters of the name, ASCII case-insensitively), never drop one the core reads:
 * the core compares the whole name of every line that crosses. A name crosses as a number
 * only when it equals that spelling exactly.
 */
function crossing(name) {
  for (let c = name.length < 256 ? BY_LENGTH[name.length] : null; c !== null; c = c.next) {
    if (name === c.name) return c.spelled
    if (name === c.lower) return c.spelledLower
    // A letter of `name` (either case) | 0x20 is its lower case, and nothing else gives
    // a lower-case letter: a necessary condition for equal names.
    if ((name.charCodeAt(c.p0) | 0x20) === c.c0 && (name.charCodeAt(c.p1) | 0x20) === c.c1 && (name.charCodeAt(c.p2) | 0x20) === c.c2) return name
  }
  return undefined
}

/** Table entry `r` of `policy`, cached in `table`. */
function entry(policy, table, r) {
  const s = internedString(policy, r)
  table[r] = s
  return s
}

/** Resolves one reference of OUT (see src/encode.rs). */
function str(policy, table, r, sel, fresh) {
  if (r >= 0) {
    const s = table[r]
    return s === undefined ? entry(policy, table, r) : s
  }
  const x = -1 - r
  if ((x & 1) === 1) return fresh[x >> 1]
  const s = sel[x >> 1]
  return typeof s === 'number' ? SPELLINGS[s] : s
}

/**
 * Decides `sel` (`[method, name, value, …]`, the selected lines) with `policy`; `null` when
 * the addon refuses the joined form (a value held a NUL). Leaves the numeric form in OUT
 * and returns the new strings it refers to (or undefined). Up to four lines go as
 * arguments (no string is built; the method and names the addon spells by number as
 * numbers), more NUL-joined. `respond`: also the response lines
 * (the middleware's form, src/encode.rs `ADDED`).
 */
function decideInto(policy, sel, respond = false) {
  const into = respond ? respondInto : evaluateInto
  switch (sel.length) {
    case 1:
      return into(policy, sel[0])
    case 3:
      return into(policy, sel[0], sel[1], sel[2])
    case 5:
      return into(policy, sel[0], sel[1], sel[2], sel[3], sel[4])
    case 7:
      return into(policy, sel[0], sel[1], sel[2], sel[3], sel[4], sel[5], sel[6])
    case 9:
      return into(policy, sel[0], sel[1], sel[2], sel[3], sel[4], sel[5], sel[6], sel[7], sel[8])
  }
  const n = sel.length - 1
  const text = (s) => (typeof s === 'number' ? SPELLINGS[s] : s)
  let joined = text(sel[1])
  for (let i = 2; i <= n; i++) joined = joined + '\0' + text(sel[i])
  return (respond ? respondJoinedInto : evaluateJoinedInto)(policy, text(sel[0]), joined, n)
}

/** Appends the selected lines of a flat `[name, value, …]` array; false on a non-string. */
function selectFlat(sel, raw) {
  if (raw.length % 2 !== 0) return false
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]
    const value = raw[i + 1]
    if (typeof name !== 'string' || typeof value !== 'string') return false
    const c = crossing(name)
    if (c !== undefined) sel.push(c, value)
  }
  return true
}

/** `[[name, value], …]`; false on anything else. */
function selectPairs(sel, pairs) {
  for (let i = 0; i < pairs.length; i++) {
    const p = pairs[i]
    if (!Array.isArray(p) || p.length !== 2) return false
    const name = p[0]
    const value = p[1]
    if (typeof name !== 'string' || typeof value !== 'string') return false
    const c = crossing(name)
    if (c !== undefined) sel.push(c, value)
  }
  return true
}

/** `IncomingHttpHeaders` (`for…in` keys, as the addon's reader); false on odd values. */
function selectObject(sel, obj) {
  for (const name in obj) {
    const v = obj[name]
    if (v === undefined) continue
    if (typeof v === 'string') {
      const c = crossing(name)
      if (c !== undefined) sel.push(c, v)
    } else if (Array.isArray(v)) {
      for (let j = 0; j < v.length; j++) if (typeof v[j] !== 'string') return false
      const c = crossing(name)
      if (c !== undefined) for (let j = 0; j < v.length; j++) sel.push(c, v[j])
    } else {
      return false
    }
  }
  return true
}

/** `[method, name, value, …]` for a request the fast form takes, else undefined. */
function select(method, headers) {
  if (typeof method !== 'string') return undefined
  const sel = [spelled(method)]
  if (headers === undefined || headers === null) return sel
  if (Array.isArray(headers)) {
    if (headers.length === 0) return sel
    const ok = typeof headers[0] === 'string' ? selectFlat(sel, headers) : selectPairs(sel, headers)
    return ok ? sel : undefined
  }
  if (typeof headers === 'object') return selectObject(sel, headers) ? sel : undefined
  return undefined
}

/** `policy`'s cache of the addon's string table. */
function stringsOf(policy) {
  let table = policy[kStrings]
  if (table === undefined) {
    table = []
    // A frozen policy keeps no cache: its entries are then fetched per call.
    if (Object.isExtensible(policy)) policy[kStrings] = table
  }
  return table
}

/** The plain Decision object from OUT (the addon's `Decision`, field for field). */
function toDecision(policy, sel, fresh) {
  const table = stringsOf(policy)
  const n = OUT[7]
  const headers = new Array(n)
  for (let i = 0; i < n; i++) {
    headers[i] = [str(policy, table, OUT[8 + 2 * i], sel, fresh), str(policy, table, OUT[9 + 2 * i], sel, fresh)]
  }
  return {
    kind: str(policy, table, OUT[3], sel, fresh),
    allowed: OUT[1] === 1,
    status: OUT[2] < 0 ? null : OUT[2],
    headers,
    reason: str(policy, table, OUT[5], sel, fresh),
    reasonCode: str(policy, table, OUT[4], sel, fresh),
    reasonDetail: str(policy, table, OUT[6], sel, fresh),
  }
}

// The addon's own method (napi-rs): the reference behaviour, and the path for odd input.
const nativeEvaluate = Policy.prototype.evaluate

/** Decides one request (see index.d.ts): the same object as the addon's `evaluate`. */
function evaluate(method, headers) {
  if (!(this instanceof Policy)) return nativeEvaluate.call(this, method, headers)
  const sel = select(method, headers)
  if (sel !== undefined && sel.length <= 65) {
    const fresh = decideInto(this, sel)
    if (fresh !== null) return toDecision(this, sel, fresh)
  }
  return nativeEvaluate.call(this, method, headers)
}

// Same descriptor as the addon's method (writable, enumerable, configurable).
Object.defineProperty(Policy.prototype, 'evaluate', { value: evaluate, writable: true, enumerable: true, configurable: true })

module.exports = { OUT, ADDED, crossing, SPELLINGS, select, decideInto, toDecision, str, stringsOf, nativeEvaluate }
