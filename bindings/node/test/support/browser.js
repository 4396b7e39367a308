'use strict'
// A browser's view of a CORS response, after Fetch: the CORS check, the CORS-preflight
// checks (step 7 of "CORS-preflight fetch") and the Private Network Access check. The
// conformance tests judge every answer with these checks instead of comparing header
// strings, so equivalent answers (a listed method or `*`) both pass.

/** Response header lines → a Fetch header list "get": values joined with ", ". */
function headerGetter(lines) {
  return (name) => {
    const vals = lines.filter(([n]) => n.toLowerCase() === name.toLowerCase()).map(([, v]) => v)
    return vals.length === 0 ? null : vals.join(', ')
  }
}

/** Fetch "get, decode, and split" for a comma list of tokens; null when absent. */
function tokens(value) {
  if (value === null) return null
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '')
}

/** Request header lines → first value of `name` (case-insensitive), or null. */
function requestHeader(reqLines, name) {
  const hit = reqLines.find(([n]) => n.toLowerCase() === name.toLowerCase())
  return hit ? hit[1] : null
}

/** Fetch "CORS check": does the response let a page of `origin` read it? */
function corsCheck(get, origin, credentials) {
  const acao = get('Access-Control-Allow-Origin')
  if (acao === null) return false
  if (!credentials && acao === '*') return true
  if (acao !== origin) return false
  if (!credentials) return true
  return get('Access-Control-Allow-Credentials') === 'true'
}

const SAFELISTED_METHODS = new Set(['GET', 'HEAD', 'POST'])

/**
 * The browser's verdict on a response to the request `reqLines` (the vector's header
 * lines). `status` is the response status (preflights only). Returns
 * `{ allowed, why }`.
 */
function judge({ method, reqLines, status, resLines, credentials, kind }) {
  const get = headerGetter(resLines)
  const origin = requestHeader(reqLines, 'Origin')
  if (kind === 'not_cors') return { allowed: true, why: 'not CORS' }
  if (kind === 'preflight') {
    if (!(status >= 200 && status <= 299)) return { allowed: false, why: `status ${status}` }
  }
  if (!corsCheck(get, origin, credentials)) return { allowed: false, why: 'CORS check failed' }
  if (kind === 'actual') return { allowed: true, why: 'CORS check passed' }
  // Preflight, Fetch step 7.
  const acrm = requestHeader(reqLines, 'Access-Control-Request-Method')
  const methods = tokens(get('Access-Control-Allow-Methods')) ?? []
  const names = tokens(get('Access-Control-Allow-Headers')) ?? []
  const requested = reqLines
    .filter(([n]) => n.toLowerCase() === 'access-control-request-headers')
    .flatMap(([, v]) => tokens(v))
    .map((s) => s.toLowerCase())
  if (!methods.includes(acrm) && !SAFELISTED_METHODS.has(acrm) && (credentials || !methods.includes('*'))) {
    return { allowed: false, why: `method ${acrm} not covered` }
  }
  const lowerNames = names.map((s) => s.toLowerCase())
  for (const h of requested) {
    if (h === 'authorization' && !lowerNames.includes(h)) return { allowed: false, why: 'authorization not listed' }
    if (!lowerNames.includes(h) && (credentials || !names.includes('*'))) {
      return { allowed: false, why: `header ${h} not covered` }
    }
  }
  if (requestHeader(reqLines, 'Access-Control-Request-Private-Network') === 'true') {
    if (get('Access-Control-Allow-Private-Network') !== 'true') return { allowed: false, why: 'PNA not granted' }
  }
  return { allowed: true, why: 'preflight passed' }
}

/** Whether `item` is covered by a list header under Fetch's wildcard rules. */
function covered(list, item, credentials, { caseInsensitive, nonWildcard = [] }) {
  const norm = (s) => (caseInsensitive ? s.toLowerCase() : s)
  if (list.map(norm).includes(norm(item))) return true
  return !credentials && list.includes('*') && !nonWildcard.includes(norm(item))
}

/**
 * Checks one answer against a vector's `expect` with node:assert. `answer` is
 * `{ kind, allowed (the decision's own verdict, or undefined over HTTP), status, headers }`.
 */
function assertVector(assert, v, answer) {
  const e = v.expect
  const credentials = v.policy.credentials === true
  const reqLines = v.request.headers
  const get = headerGetter(answer.headers)
  const tag = `${v.id}: ${JSON.stringify(answer.headers)}`
  if (answer.kind !== undefined) assert.equal(answer.kind, e.kind, `${tag} kind`)
  if (answer.allowed !== undefined) assert.equal(answer.allowed, e.allowed, `${tag} decision.allowed`)
  const verdict = judge({
    method: v.request.method,
    reqLines,
    status: answer.status,
    resLines: answer.headers,
    credentials,
    kind: e.kind,
  })
  assert.equal(verdict.allowed, e.allowed, `${tag} browser verdict (${verdict.why})`)
  assert.equal(get('Access-Control-Allow-Origin'), e.acao, `${tag} ACAO`)
  assert.equal(get('Access-Control-Allow-Credentials') === 'true', e.acac, `${tag} ACAC`)
  const vary = (tokens(get('Vary')) ?? []).map((s) => s.toLowerCase())
  for (const t of e.vary_contains) assert.ok(vary.includes(t.toLowerCase()), `${tag} Vary has ${t}`)
  if (e.status !== undefined) assert.equal(answer.status, e.status, `${tag} status`)
  const acam = tokens(get('Access-Control-Allow-Methods')) ?? []
  for (const m of e.acam_contains ?? []) {
    assert.ok(covered(acam, m, credentials, { caseInsensitive: false }), `${tag} ACAM covers ${m}`)
  }
  const acah = tokens(get('Access-Control-Allow-Headers')) ?? []
  for (const h of e.acah_contains ?? []) {
    assert.ok(
      covered(acah, h, credentials, { caseInsensitive: true, nonWildcard: ['authorization'] }),
      `${tag} ACAH covers ${h}`,
    )
  }
  if ('acma' in e) assert.equal(get('Access-Control-Max-Age'), e.acma, `${tag} ACMA`)
  const aceh = tokens(get('Access-Control-Expose-Headers')) ?? []
  for (const h of e.aceh_contains ?? []) {
    assert.ok(covered(aceh, h, credentials, { caseInsensitive: true }), `${tag} ACEH covers ${h}`)
  }
  if ('acapn' in e) {
    assert.equal(get('Access-Control-Allow-Private-Network') === 'true', e.acapn, `${tag} ACAPN`)
  }
  return verdict
}

module.exports = { judge, assertVector, headerGetter, tokens }
