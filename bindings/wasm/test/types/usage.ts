// Type-checked by `tsc -p tsconfig.json` (scripts/test-wasm.sh): the declarations
// describe the API as the tests use it.
import { Policy, version, requestHeaderNames, type Decision, type Diagnostic, type PolicyError } from '@corsgate/wasm'

const p = new Policy({ origins: ['https://example.com'], credentials: true, max_age: null })
const d: Decision = p.evaluate('GET', new Headers({ origin: 'https://example.com' }))
const kind: 'not_cors' | 'preflight' | 'actual' = d.kind
const status: number | null = d.status
const w: Diagnostic[] = p.warnings
const ok: boolean = p.isOriginAllowed('https://example.com')
p.evaluate('GET', [['Origin', 'https://example.com']])
p.evaluate('GET', ['Origin', 'https://example.com'])
p.evaluate('GET', { origin: 'https://example.com' })
const j: string = p.evaluateJson('GET')
try {
  new Policy('{}')
} catch (e) {
  const pe = e as PolicyError
  const c: string = pe.code
  void c
}
void [kind, status, w, ok, j, version(), requestHeaderNames()]
p.free()
