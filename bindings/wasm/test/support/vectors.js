// The conformance vectors every runtime of this package is run against (ESM; uses only
// node:fs and node:path, which Node, Deno and Bun all provide):
// - the shared `vectors.jsonl` ($CORSGATE_SHARED/conformance, else ../shared/conformance
//   beside the repository) and the project's own tests/vectors/*.jsonl;
// - the shared `vectors-v2.jsonl`: `merge-` (the response rule), `cop-` (cross-origin
//   protection), `set-` and `cop-set-` (policy sets). None is skipped any more; the
//   `skipped` list stays so every runner prints and counts what a caller leaves out.
import { readFileSync, readdirSync, existsSync } from 'node:fs'
import { join, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))
export const REPO = join(HERE, '..', '..', '..', '..')
const SHARED = (globalThis.process?.env?.CORSGATE_SHARED ?? join(REPO, '..', 'shared')) + '/conformance'

function readJsonl(file) {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
}

/** Vector id prefixes of vectors-v2.jsonl this package does not run (none). */
export const SKIPPED_PREFIXES = []

/** Whether a vector's policy is a policy set (a top-level `policies` key). */
export function isSet(v) {
  const p = v.policy
  return p !== null && typeof p === 'object' && Object.prototype.hasOwnProperty.call(p, 'policies')
}

/**
 * `{ vectors, skipped }`: the vectors to run, and the ids left out. `merge` (default
 * true) includes the `merge-` vectors of vectors-v2.jsonl (the response rule).
 */
export function loadVectors({ merge = true } = {}) {
  const vectors = readJsonl(join(SHARED, 'vectors.jsonl'))
  const own = join(REPO, 'tests', 'vectors')
  for (const f of readdirSync(own).filter((f) => f.endsWith('.jsonl')).sort()) {
    vectors.push(...readJsonl(join(own, f)))
  }
  const skipped = []
  const v2 = join(SHARED, 'vectors-v2.jsonl')
  if (existsSync(v2)) {
    for (const v of readJsonl(v2)) {
      if (SKIPPED_PREFIXES.some((p) => v.id.startsWith(p)) || (!merge && v.id.startsWith('merge-'))) {
        skipped.push(v.id)
      } else vectors.push(v)
    }
  }
  return { vectors, skipped }
}

/**
 * Whether HTTP/1.1 delivers the vector's header values unchanged: a server's parser
 * strips leading and trailing whitespace from field values (RFC 9110 §5.5).
 */
export function wireSafe(v) {
  return v.request.headers.every(([, val]) => val === val.replace(/^[ \t]+|[ \t]+$/g, ''))
}
