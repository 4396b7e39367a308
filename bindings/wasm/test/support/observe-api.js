// Every vector through the wasm API (`Policy`, `evaluate`, `evaluateJson`,
// `decideCompact`), as observations in the judge protocol (tests/src/protocol.rs: one
// `{id, via, observed}` per vector). Runtime-neutral: Node, Deno and Bun run it.
//
// Checked here (and thrown as a failure, not an observation) are only the API's own
// contracts: the three forms agree, errors carry the core's codes.

/** Turns a config error into the observation the judge expects, checking its shape. */
function configErrorObservation(v, e) {
  const bad = (why) => new Error(`${v.id}: config error shape: ${why}`)
  if (!(e instanceof Error)) throw bad('not an Error')
  if (typeof e.code !== 'string' || !/^[a-z_]+$/.test(e.code)) throw bad(`code ${e.code}`)
  if (!Array.isArray(e.errors) || e.errors.length === 0) throw bad('no errors array')
  if (e.errors[0].code !== e.code) throw bad('code is not the first error code')
  for (const d of e.errors) if (!e.message.includes(d.message)) throw bad('message lacks an error')
  if (v.expect.config_error_code && v.expect.config_error_code !== e.code) {
    throw bad(`code ${e.code}, expected ${v.expect.config_error_code}`)
  }
  // A set's errors are named by their paths (policies.acme.origins[1], routes[2].host).
  for (const want of v.expect.error_contains ?? []) {
    if (!e.message.includes(want) || !e.errors.some((d) => d.path.includes(want))) throw bad(`no error names ${want}`)
  }
  return { config_error: true, kind: null, allowed: null, status: null, headers: [] }
}

function same(a, b, what, id) {
  const ja = JSON.stringify(a)
  const jb = JSON.stringify(b)
  if (ja !== jb) throw new Error(`${id}: ${what} disagree: ${ja} vs ${jb}`)
}

/**
 * Observes `vectors` through `api` (`{ Policy, applyDecision }`). `via` labels the
 * runtime. Returns observations; throws on an API contract break.
 */
export function observeApi(api, vectors, via) {
  const out = []
  for (const v of vectors) {
    const set = v.policy !== null && typeof v.policy === 'object' && Object.prototype.hasOwnProperty.call(v.policy, 'policies')
    const Class = set ? api.PolicySet : api.Policy
    let policy
    try {
      policy = new Class(v.policy)
      // The JSON text compiles to the same policy (a set: the same routes).
      const text = new Class(JSON.stringify(v.policy))
      same(set ? text.routes : text.config, set ? policy.routes : policy.config, 'object and text', v.id)
      if (api.isPolicySet(v.policy) !== set || api.isPolicySet(JSON.stringify(v.policy)) !== set) throw new Error(`${v.id}: isPolicySet says ${!set}`)
    } catch (e) {
      if (e && e.errors) {
        out.push({ id: v.id, via, observed: configErrorObservation(v, e) })
        continue
      }
      throw e
    }
    const { method, headers } = v.request
    // A set's calls take the path (absent: the vectors' default '/', the API's too).
    const tail = set && v.request.path !== undefined ? [v.request.path] : []
    const d = policy.evaluate(method, headers, ...tail)
    const j = JSON.parse(policy.evaluateJson(method, headers, ...tail))
    const line = { kind: d.kind, allowed: d.allowed, status: d.status, headers: d.headers, reason: d.reason, reason_code: d.reasonCode }
    if (set) Object.assign(line, { policy: d.policy, route: d.route })
    same(j, line, 'evaluate and evaluateJson', v.id)
    const c = policy.decideCompact(method, headers, ...tail)
    same(c, [['not_cors', 'preflight', 'actual', 'refused'].indexOf(d.kind), d.allowed, d.status, ...d.headers.flat()], 'evaluate and decideCompact', v.id)
    same(policy.evaluate(method, headers.flat(), ...tail), d, 'pairs and rawHeaders', v.id)
    const observed = {
      kind: d.kind,
      allowed: d.allowed,
      status: d.status,
      headers: d.headers,
      reason_code: d.reasonCode,
    }
    if (set) Object.assign(observed, { policy: d.policy, route: d.route })
    if (v.request.app_headers && api.applyDecision) {
      observed.final_headers = api.applyDecision(d, v.request.app_headers)
    }
    out.push({ id: v.id, via, observed })
    policy.free()
  }
  return out
}
