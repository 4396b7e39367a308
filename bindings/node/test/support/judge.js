'use strict'
// Feeds corsgate-judge (tests/src/bin/corsgate-judge.rs at the repository root), the
// project's one judge of conformance observations (protocol:
// tests/src/protocol.rs). This module only builds it, runs it and reads its answers; it judges
// nothing itself.

const { execFileSync, spawnSync } = require('node:child_process')
const path = require('node:path')
const { loadFile } = require('./vectors.js')

const REPO = path.resolve(__dirname, '..', '..', '..', '..')

/** Version-2 features keyed on the vector id prefix (shared/conformance/README.md). */
const FEATURES = {
  cop: ['cop-', 'cross-origin protection (issue 13)'],
  copSets: ['cop-set-', 'policy sets (issue 14)'],
  sets: ['set-', 'policy sets (issue 14)'],
  merge: ['merge-', 'the response rule with app headers: run in merge.test.js'],
}
/**
 * The version-2 features this suite leaves to another file: the `merge-` vectors run in
 * merge.test.js (the application's headers), policy sets included.
 */
const PENDING = [FEATURES.merge]

/** Whether a vector's policy is a policy set (a top-level `policies` key). */
const isSet = (v) => v.policy !== null && typeof v.policy === 'object' && Object.prototype.hasOwnProperty.call(v.policy, 'policies')

/** Whether a vector's request has no `Host` line (sent hostless over HTTP). */
const hostless = (v) => !v.request.headers.some(([n]) => n.toLowerCase() === 'host')

let built = null
/** corsgate-judge: $CORSGATE_JUDGE when the calling script built it, else built here. */
function judgeBinary() {
  if (process.env.CORSGATE_JUDGE) return process.env.CORSGATE_JUDGE
  if (built === null) {
    execFileSync('cargo', ['build', '-q', '-p', 'corsgate-conformance', '--bin', 'corsgate-judge'], {
      cwd: REPO,
      stdio: 'inherit',
    })
    const target = process.env.CARGO_TARGET_DIR || path.join(REPO, 'target')
    built = path.join(target, 'debug', 'corsgate-judge')
  }
  return built
}

/**
 * The v1 and v2 vectors but for those whose id starts with a PENDING prefix; each
 * skipped vector is printed with the feature it needs, and the count.
 */
function suiteVectors(label) {
  const all = [...loadFile('vectors.jsonl'), ...loadFile('vectors-v2.jsonl')]
  const keep = []
  let skipped = 0
  for (const v of all) {
    const hit = PENDING.find(([prefix]) => v.id.startsWith(prefix))
    if (hit) {
      skipped++
      console.log(`${label}: skip ${v.id} (needs ${hit[1]})`)
    } else {
      keep.push(v)
    }
  }
  console.log(`${label}: ${keep.length} vectors run, ${skipped} skipped by feature`)
  return keep
}

/** One protocol line; fields the runtime cannot observe are null. */
function observation(id, via, observed) {
  return { id, via, observed }
}

/**
 * Runs corsgate-judge over `observations`. Returns `{ status, answers, summary,
 * passed, failed, failures }`.
 */
function judgeAll(observations) {
  const input = observations.map((o) => JSON.stringify(o) + '\n').join('')
  const r = spawnSync(judgeBinary(), [], { input, encoding: 'utf8', maxBuffer: 64 << 20 })
  const answers = r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
  const summary = r.stderr.trim().split('\n').pop()
  const m = /^judge: (\d+) passed, (\d+) failed$/.exec(summary)
  const failures = answers.filter((a) => !a.ok).map((a) => `${a.id} (${a.via}): ${a.problems.join('; ')}`)
  return { status: r.status, answers, summary, passed: m ? Number(m[1]) : -1, failed: m ? Number(m[2]) : -1, failures }
}

/** Asserts that the judge exited 0 with exactly `expected` observations passed. */
function assertAllPassed(assert, result, expected) {
  assert.deepEqual(
    [result.status, result.passed, result.failed],
    [0, expected, 0],
    `${result.summary} (want ${expected} passed)\n${result.failures.join('\n')}`,
  )
}

/**
 * The browser's verdicts alone (`corsgate-judge --verdict`) for requests that are not
 * vectors: each exchange is `{ credentials, request, kind, status, headers }`.
 */
function verdicts(exchanges) {
  const input = exchanges.map((e) => JSON.stringify(e) + '\n').join('')
  const r = spawnSync(judgeBinary(), ['--verdict'], { input, encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`corsgate-judge --verdict: ${r.stderr}`)
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
}

module.exports = { FEATURES, PENDING, isSet, hostless, judgeBinary, suiteVectors, observation, judgeAll, assertAllPassed, verdicts }
