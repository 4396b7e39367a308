// Judges observations with `corsgate-judge`, the project's one judge
// (tests/src/bin/corsgate-judge.rs; protocol in tests/src/protocol.rs). The binary is
// $CORSGATE_JUDGE, else $CARGO_TARGET_DIR or <repo>/target, debug/corsgate-judge;
// scripts/test-wasm.sh builds it. This module judges nothing itself.
//
// As a program: reads observations on stdin, prints one result line per failed
// observation and `judge: N passed, N failed` on stderr; exit status 0 only when all passed.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { REPO } from './vectors.js'

/** The corsgate-judge binary; throws when it is not built. */
export function judgeBinary() {
  const target = process.env.CARGO_TARGET_DIR ?? join(REPO, 'target')
  const p = process.env.CORSGATE_JUDGE ?? join(target, 'debug', 'corsgate-judge')
  if (!existsSync(p)) {
    throw new Error(`corsgate-judge is not built (${p}): cargo build -p corsgate-conformance --bin corsgate-judge`)
  }
  return p
}

/**
 * Judges `observations` with corsgate-judge; returns `{ results: [{id, via, ok,
 * problems}], passed, failed, by }`.
 */
export function judge(observations) {
  const input = observations.map((o) => JSON.stringify(o)).join('\n') + '\n'
  const r = spawnSync(judgeBinary(), [], { input, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.error) throw r.error
  const results = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
  const failed = results.filter((x) => !x.ok).length
  if (results.length !== observations.length) {
    throw new Error(`corsgate-judge answered ${results.length} of ${observations.length}: ${r.stderr}`)
  }
  return { results, passed: results.length - failed, failed, by: 'corsgate-judge' }
}

/**
 * The browser's verdicts alone (`corsgate-judge --verdict`) for requests that are not
 * vectors: each exchange is `{ credentials, request, kind, status, headers }`; returns
 * `{ allowed, why }` per exchange, in order.
 */
export function verdicts(exchanges) {
  const input = exchanges.map((e) => JSON.stringify(e) + '\n').join('')
  const r = spawnSync(judgeBinary(), ['--verdict'], { input, encoding: 'utf8', maxBuffer: 64 << 20 })
  if (r.error) throw r.error
  if (r.status !== 0) throw new Error(`corsgate-judge --verdict: ${r.stderr}`)
  const out = r.stdout.split('\n').filter((l) => l.trim() !== '').map((l) => JSON.parse(l))
  if (out.length !== exchanges.length) throw new Error(`corsgate-judge --verdict answered ${out.length} of ${exchanges.length}`)
  return out
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const lines = readFileSync(0, 'utf8').split('\n').filter((l) => l.trim() !== '')
  const r = judge(lines.map((l) => JSON.parse(l)))
  for (const x of r.results) if (!x.ok) console.log(JSON.stringify(x))
  console.error(`judged by ${r.by}`)
  console.error(`judge: ${r.passed} passed, ${r.failed} failed`)
  process.exitCode = r.failed === 0 && r.passed > 0 ? 0 : 1
}
