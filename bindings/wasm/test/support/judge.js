// Judges observations (the judge protocol of HELPERS.md) with `corsgate-judge` when it
// is built ($CORSGATE_JUDGE, else $CARGO_TARGET_DIR or <repo>/target, debug/corsgate-judge),
// otherwise with
// the existing judge logic of the Node binding's suite (bindings/node/test/support/
// browser.js: the Fetch CORS check and preflight checks), extended with the response
// rule's checks on `final_headers` (conformance README, "Version 2").
//
// As a program: reads observations on stdin, prints one result line per observation and
// `judge: N passed, N failed` on stderr; exit status 0 only when all passed.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import assert from 'node:assert/strict'
import { REPO, loadVectors } from './vectors.js'

const require = createRequire(import.meta.url)

/** The corsgate-judge binary, or null when it is not built. */
export function judgeBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(REPO, 'target')
  const p = process.env.CORSGATE_JUDGE ?? join(target, 'debug', 'corsgate-judge')
  return existsSync(p) ? p : null
}

/** Judges with the Node suite's logic: `{ ok, problems }` for one observation. */
function fallbackOne(v, observed) {
  const { assertVector, headerGetter } = require('../../../node/test/support/browser.js')
  try {
    if (v.expect.config_error) {
      assert.equal(observed.config_error, true, 'the policy must be rejected')
      return { ok: true, problems: [] }
    }
    assert.notEqual(observed.config_error, true, 'the policy was rejected')
    const final = observed.final_headers
    if (v.request.app_headers) assert.ok(Array.isArray(final), 'final_headers missing')
    const headers = final ?? observed.headers
    assertVector(assert, v, {
      kind: observed.kind ?? undefined,
      allowed: observed.allowed ?? undefined,
      status: observed.status,
      headers,
    })
    if (v.expect.reason_code && observed.reason_code != null) {
      assert.equal(observed.reason_code, v.expect.reason_code, 'reason_code')
    }
    const get = headerGetter(headers)
    for (const n of v.expect.final_exclude ?? []) assert.equal(get(n), null, `final has ${n}`)
    if (final && observed.headers) {
      // Access-Control-* of the final response are exactly the decision's.
      const ac = (l) => l.filter(([n]) => /^access-control-/i.test(n)).map(([n, x]) => `${n.toLowerCase()}:${x}`).sort()
      assert.deepEqual(ac(final), ac(observed.headers), 'Access-Control-* are the decision’s')
    }
    return { ok: true, problems: [] }
  } catch (e) {
    return { ok: false, problems: [e.message] }
  }
}

/**
 * Judges `observations`; returns `{ results: [{id, via, ok, problems}], passed, failed,
 * by }` where `by` names the judge used.
 */
export function judge(observations) {
  const bin = judgeBinary()
  if (bin) {
    const input = observations.map((o) => JSON.stringify(o)).join('\n') + '\n'
    const r = spawnSync(bin, [], { input, encoding: 'utf8', maxBuffer: 64 << 20 })
    if (r.error) throw r.error
    const results = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
    const failed = results.filter((x) => !x.ok).length
    if (results.length !== observations.length) {
      throw new Error(`corsgate-judge answered ${results.length} of ${observations.length}: ${r.stderr}`)
    }
    return { results, passed: results.length - failed, failed, by: 'corsgate-judge' }
  }
  const { vectors, skipped } = loadVectors()
  const byId = new Map(vectors.map((v) => [v.id, v]))
  const results = observations.map((o) => {
    const v = byId.get(o.id)
    if (!v) return { id: o.id, via: o.via, ok: false, problems: [skipped.includes(o.id) ? 'skipped vector observed' : 'unknown vector id'] }
    return { id: o.id, via: o.via, ...fallbackOne(v, o.observed) }
  })
  const failed = results.filter((x) => !x.ok).length
  return { results, passed: results.length - failed, failed, by: 'the Node suite judge (corsgate-judge not built)' }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '')
  const r = judge(lines.map((l) => JSON.parse(l)))
  for (const x of r.results) if (!x.ok) console.log(JSON.stringify(x))
  console.error(`judged by ${r.by}`)
  console.error(`judge: ${r.passed} passed, ${r.failed} failed`)
  process.exitCode = r.failed === 0 && r.passed > 0 ? 0 : 1
}
