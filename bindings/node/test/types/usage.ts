// Type-checked by `tsc -p tsconfig.json` (never run): the public types must accept
// the documented uses and reject misuse (@ts-expect-error lines fail when they compile).
import * as http from 'node:http'
import { Policy, version, type Decision, type Diagnostic, type HeadersInput, type PolicyConfig } from '../../index'
import * as corsgatePublic from '../../index'
import { withCors, applyCors, guardUpgrade, checkUpgrade } from '../../http'
import cors = require('../../express')
import corsgateFastify = require('../../fastify')
import Fastify from 'fastify'

const config: PolicyConfig = {
  origins: ['https://example.com', 'https://*.example.com'],
  credentials: true,
  methods: ['PUT'],
  request_headers: ['content-type'],
  max_age: null,
}
const policy = new Policy(config)
const fromText: Policy = new Policy('{"origins": ["*"]}')
const fromFile: Policy = Policy.fromFile('cors.json')
const v: string = version()

const req = { origin: 'https://example.com' } satisfies HeadersInput
const d: Decision = policy.evaluate('GET', req)
const kind: 'not_cors' | 'preflight' | 'actual' | 'refused' = d.kind
const status: number | null = d.status
const first: [string, string] | undefined = d.headers[0]
policy.evaluate('OPTIONS', ['Origin', 'https://example.com', 'Access-Control-Request-Method', 'PUT'])
policy.evaluate('GET', [['Origin', 'https://example.com']])
policy.evaluate('GET')
const allowed: boolean = policy.isOriginAllowed('https://example.com')
const warnings: Diagnostic[] = policy.warnings
const idx: number | null = warnings[0]?.index ?? null
const json: string = policy.evaluateJson('GET', {})
// The addon's internals are not part of the declared API.
// @ts-expect-error
policy.decideCompact('GET', {})
// @ts-expect-error
policy._decide('GET', '', 0)
// @ts-expect-error
policy._corsgateRegister()
// @ts-expect-error
corsgatePublic.headerNames()
// @ts-expect-error
corsgatePublic.decide(policy, 'GET', '', 0)

try {
  new Policy({ origins: [] })
} catch (e) {
  const err = e as Error & { code: string; errors: Diagnostic[] }
  console.log(err.code, err.errors.map((x) => `${x.code} ${x.index} ${x.value} ${x.message}`))
}

const handler = withCors(policy, (rq: http.IncomingMessage, rs: http.ServerResponse) => rs.end('ok'))
handler.setPolicy({ origins: ['https://other.example'] })
http.createServer(handler)
http.createServer((rq, rs) => {
  if (applyCors(policy, rq, rs)) return
  rs.end()
})

const mw = cors({ origin: [/^https:\/\/[a-z]+\.example\.com$/, 'https://example.com'], credentials: true, maxAge: 600 })
const mw2 = cors({ policy: 'cors.json', preflightContinue: true })
const mw3 = cors(policy)
const p2: Policy | PolicySet | null = mw.policy
mw2.setPolicy(config)
http.createServer((rq, rs) => mw3(rq, rs, () => rs.end()))

const app = Fastify()
app.register(corsgateFastify, { policy: config })
app.register(corsgateFastify, { origin: 'https://example.com', credentials: true })
app.corsgate.setPolicy(policy)

// @ts-expect-error origins is required
new Policy({ credentials: true })
// @ts-expect-error the method is a string
policy.evaluate(42, {})
// @ts-expect-error header values are strings
policy.evaluate('GET', { origin: 42 })
// An origin function (dynamic origins, answers cached)
cors({ origin: (o: string, cb: (e: null, ok: boolean) => void) => cb(null, o.endsWith('.example.org')), originCache: { ttlMs: 1000 } })
cors({ origin: async (o: string) => o === 'https://a.example' })
// @ts-expect-error unknown cors option
cors({ origin: 'https://example.com', credentails: true })

export { fromText, fromFile, v, kind, status, first, allowed, idx, json, p2 }

// Seeing decisions: onDecision / onWarning / shadowPolicy on every middleware.
const denials = new Map<string, number>()
const observe = {
  onDecision: (dec: import('../../http').ObservedDecision) => {
    if (!dec.allowed) denials.set(dec.reasonCode, (denials.get(dec.reasonCode) ?? 0) + 1)
    const detail: string = dec.reasonDetail
    const shadowAllowed: boolean | undefined = dec.shadow?.allowed
    void detail, shadowAllowed
  },
  onWarning: (w: import('../../http').CorsgateWarning) => console.log(w.code, w.message),
  shadowPolicy: { origins: ['https://example.com'] },
}
withCors(policy, (_req, res) => res.end(), observe)
cors({ policy, ...observe })
cors({ origin: 'https://example.com', ...observe })
Fastify().register(corsgateFastify, { policy, ...observe })
// @ts-expect-error onDecision is a function
cors({ policy, onDecision: 3 })
// Cross-origin protection: the policy field, and the guard for WebSocket handshakes.
const protectedPolicy = new Policy({ origins: ['https://example.com'], cross_origin_protection: true })
const wsServer = http.createServer()
const guard = guardUpgrade(wsServer, protectedPolicy)
guard.setPolicy({ origins: ['https://other.example'], cross_origin_protection: true })
const guarded: Policy | PolicySet = guard.policy
guard.remove()
wsServer.on('upgrade', (req, socket) => {
  if (checkUpgrade(protectedPolicy, req, socket)) return
  socket.destroy()
})
// @ts-expect-error
guardUpgrade('not a server', protectedPolicy)

// Policy sets.
import { PolicySet, loadFile, type SetDecision } from '../../index'
const set = new PolicySet({ policies: { a: { origins: ['https://a.com'] } }, routes: [{ host: '*', policy: 'a' }] })
const sd: SetDecision = set.evaluate('GET', { host: 'x', origin: 'https://a.com' }, '/p')
const selected: [string | null, number | null] = [sd.policy, sd.route]
const loaded: Policy | PolicySet = loadFile('cors.json')
export { set, selected, loaded }
