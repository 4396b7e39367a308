// Type-checked by `tsc -p tsconfig.json` (scripts/test-wasm.sh): the declarations
// describe the API as the tests use it.
import { Policy, version, requestHeaderNames, type Decision, type Diagnostic, type PolicyError } from '@corsgate/wasm'

const p = new Policy({ origins: ['https://example.com'], credentials: true, max_age: null })
const d: Decision = p.evaluate('GET', new Headers({ origin: 'https://example.com' }))
const kind: 'not_cors' | 'preflight' | 'actual' | 'refused' = d.kind
const protectedPolicy = new Policy({ origins: ['https://example.com'], cross_origin_protection: true })
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

import { cors, withCors } from '@corsgate/wasm/fetch'
import { cors as honoCors, policyFromHonoOptions } from '@corsgate/wasm/hono'
import { Hono } from 'hono'

const mw = cors({ origins: ['https://example.com'] })
const res: Promise<Response> = mw(new Request('https://api.example.com/'), async () => new Response('ok'))
mw.setPolicy(new Policy({ origins: ['*'] }))
const handler = withCors({ origins: ['*'] }, (req: Request, env: { KEY: string }) => new Response(env.KEY + req.url))
void handler(new Request('https://x.example/'), { KEY: 'k' })
const app = new Hono()
app.use('/api/*', honoCors({ origin: ['https://example.com'], credentials: true, maxAge: 600 }))
app.use('/v2/*', honoCors({ policy: { origins: ['https://*.example.com'] } }))
const cfg = policyFromHonoOptions({ origin: 'https://example.com' })
void [res, cfg]

// Policy sets.
import { PolicySet, type SetDecision } from '@corsgate/wasm'
const set = new PolicySet({ policies: { a: { origins: ['https://a.com'] } }, routes: [{ host: '*', policy: 'a' }] })
const sd: SetDecision = set.evaluate('GET', new Headers({ host: 'x', origin: 'https://a.com' }), '/p')
const picked: [string | null, number | null] = [sd.policy, sd.route]
const setMw = cors(set)
setMw.setPolicy({ policies: { b: { origins: ['*'] } }, routes: [{ host: '*', policy: 'b' }] })
app.use('/t/*', honoCors({ policy: set }))
void [picked, setMw]
