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
    let policy
    try {
      policy = new api.Policy(v.policy)
      // The JSON text compiles to the same policy.
      same(new api.Policy(JSON.stringify(v.policy)).config, policy.config, 'object and text', v.id)
    } catch (e) {
      if (e && e.errors) {
        out.push({ id: v.id, via, observed: configErrorObservation(v, e) })
        continue
      }
      throw e
    }
    const { method, headers } = v.request
    const d = policy.evaluate(method, headers)
    const j = JSON.parse(policy.evaluateJson(method, headers))
    same(j, { kind: d.kind, allowed: d.allowed, status: d.status, headers: d.headers, reason: d.reason, reason_code: d.reasonCode }, 'evaluate and evaluateJson', v.id)
    const c = policy.decideCompact(method, headers)
    same(c, [['not_cors', 'preflight', 'actual', 'refused'].indexOf(d.kind), d.allowed, d.status, ...d.headers.flat()], 'evaluate and decideCompact', v.id)
    same(policy.evaluate(method, headers.flat()), d, 'pairs and rawHeaders', v.id)
    const observed = {
      kind: d.kind,
      allowed: d.allowed,
      status: d.status,
      headers: d.headers,
      reason_code: d.reasonCode,
    }
    if (v.request.app_headers && api.applyDecision) {
      observed.final_headers = api.applyDecision(d, v.request.app_headers)
    }
    out.push({ id: v.id, via, observed })
    policy.free()
  }
  return out
}
