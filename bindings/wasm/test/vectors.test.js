// Every vector through the wasm API in Node, judged (corsgate-judge when built).
import test from 'node:test'
import assert from 'node:assert/strict'
import * as api from '../index.js'
import { loadVectors } from './support/vectors.js'
import { observeApi } from './support/observe-api.js'
import { judge } from './support/judge.js'

test('every vector through the wasm API (Node)', () => {
  const { vectors, skipped } = loadVectors({ merge: typeof api.applyDecision === 'function' })
  assert.ok(vectors.length >= 300, `only ${vectors.length} vectors`)
  console.log(`skipped ${skipped.length}: ${skipped.join(' ')}`)
  const r = judge(observeApi(api, vectors, 'wasm-api-node'))
  console.log(`judged by ${r.by}: ${r.passed} passed, ${r.failed} failed`)
  assert.deepEqual(r.results.filter((x) => !x.ok), [])
  assert.equal(r.passed, vectors.length)
})
