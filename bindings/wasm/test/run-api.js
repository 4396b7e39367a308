// Prints one judge observation per vector (JSON lines on stdout), every vector through
// the wasm API in whichever runtime runs this file:
//   node test/run-api.js | deno run --allow-read --allow-env test/run-api.js | bun test/run-api.js
// The skipped vector ids go to stderr as `skipped: N (ids…)`.
import * as api from '../index.js'
import { loadVectors } from './support/vectors.js'
import { observeApi } from './support/observe-api.js'

const runtime = globalThis.Deno ? 'deno' : globalThis.Bun ? 'bun' : 'node'
const { vectors, skipped } = loadVectors({ merge: typeof api.applyDecision === 'function' })
const lines = observeApi(api, vectors, `wasm-api-${runtime}`).map((o) => JSON.stringify(o))
console.log(lines.join('\n'))
console.error(`${runtime}: ${lines.length} observations; skipped: ${skipped.length} (${skipped.join(' ')})`)
