// Real HTTP against real runtimes: `node test/run-http.js workerd deno bun`.
// For each runtime, support/server.js is started (support/runtimes.js) and
// 1. every vector is sent over loopback (a raw HTTP/1.1 client, so the vector's header
//    lines go out as written) to `/v/<i>`, served by `@corsgate/wasm/fetch`; each answer
//    becomes an observation for the judge (corsgate-judge when built);
// 2. the Hono comparison: every request of support/hono-cases.js to the same Hono app
//    with `hono/cors` and with corsgate's middleware (same options), judged by a browser's
//    checks (`corsgate-judge --verdict`); every difference must be listed in EXPECTED_DIFFERENCES (and none may let a
//    browser read what hono/cors would not), and the table goes to
//    build/wasm-hono-<runtime>.md.
// Prints `judge: N passed, N failed` last; exit status 0 only when all passed.
import { createRequire } from 'node:module'
import { writeFileSync, mkdirSync } from 'node:fs'
import { join } from 'node:path'
import { start } from './support/runtimes.js'
import { REPO, loadVectors, wireSafe, isSet } from './support/vectors.js'
import { judge, verdicts } from './support/judge.js'
import { HONO_CASES, HONO_REQUESTS, EXPECTED_DIFFERENCES } from './support/hono-cases.js'

const require = createRequire(import.meta.url)
const { rawRequest } = require('../../node/test/support/http-client.js')

const runtimes = process.argv.slice(2)
const { vectors, skipped } = loadVectors()
const observations = []
const failures = []
mkdirSync(join(REPO, 'build'), { recursive: true })

// The first request to /v/<i> compiles the vector's policy; a pathological regex set takes
// seconds to be refused on a loaded machine (5.6 s seen at load 19): room for that.
const VECTOR_TIMEOUT_MS = 30000
const strip = (headers) => headers.filter(([n]) => !/^(x-app-called|x-corsgate-selected|date|content-length|content-type|connection|server|keep-alive|transfer-encoding)$/i.test(n))
const appCalled = (headers) => headers.some(([n]) => n.toLowerCase() === 'x-app-called')

/**
 * Vectors a runtime's own HTTP server refuses before the Worker/handler runs (checked:
 * no answer, or its own error status and no CORS header), with why.
 */
const RUNTIME_REFUSES = {
  workerd: {
    'pf-options-lowercase-method-is-actual': 'workerd answers 501 to the method "options"',
    'set-missing-host-star-only': 'workerd answers 400 to a request without Host',
    'set-missing-host-no-star-route': 'workerd answers 400 to a request without Host',
  },
  deno: { 'actual-many-other-headers': 'Deno answers 400 to that many header lines' },
  bun: {
    'pf-options-lowercase-method-is-actual': 'Bun closes the connection on the method "options"',
    'actual-many-other-headers': 'Bun answers 431 to that many header lines',
  },
}

/** Whether a vector's request has no Host line (sent as HTTP/1.0 without one). */
const hostless = (v) => !v.request.headers.some(([n]) => n.toLowerCase() === 'host')

/** Why a vector cannot be sent through HTTP/1.1 and a Fetch `Headers`, or null. */
function notSendable(v) {
  if (!wireSafe(v)) return 'HTTP/1.1 strips whitespace at a value\'s edge'
  if (v.request.headers.some(([n, x]) => /[\0\r\n]/.test(n + x))) return 'HTTP/1.1 cannot carry NUL, CR or LF in a field'
  const acrh = v.request.headers.filter(([n]) => n.toLowerCase() === 'access-control-request-headers').length
  if (acrh > 8) return 'a Fetch Headers joins repeated lines, so the lines limit cannot apply (checked through the API)'
  return null
}

async function vectorsOverHttp(rt, port) {
  const notSent = []
  for (const [i, v] of vectors.entries()) {
    const why = notSendable(v)
    if (why) {
      notSent.push(`${v.id} (${why})`)
      continue
    }
    const refusal = RUNTIME_REFUSES[rt]?.[v.id]
    if (refusal) {
      let res = null
      try {
        res = isSet(v)
          ? await rawRequest(port, v.request.method, v.request.path ?? '/', [...v.request.headers, ['X-Corsgate-Vector', String(i)]], 5000, { hostless: hostless(v) })
          : await rawRequest(port, v.request.method, `/v/${i}`, v.request.headers)
      } catch {}
      if (res && (res.status < 400 || appCalled(res.headers) || res.headers.some(([n]) => /^access-control-/i.test(n)))) {
        failures.push(`${rt} ${v.id}: expected the runtime to refuse it (${refusal}), got ${res.status}`)
      }
      notSent.push(`${v.id} (${refusal}: checked)`)
      continue
    }
    let res
    try {
      if (isSet(v)) {
        // A set vector: its own Host line (none, as HTTP/1.0, when it has none) and path;
        // the server finds the vector by a line the core never reads.
        const lines = [...v.request.headers, ['X-Corsgate-Vector', String(i)]]
        res = await rawRequest(port, v.request.method, v.request.path ?? '/', lines, VECTOR_TIMEOUT_MS, { hostless: hostless(v) })
      } else {
        res = await rawRequest(port, v.request.method, `/v/${i}`, v.request.headers, VECTOR_TIMEOUT_MS)
      }
    } catch (e) {
      failures.push(`${rt} ${v.id}: no HTTP answer (${e.message})`)
      continue
    }
    if (res.status === 599) {
      observations.push({ id: v.id, via: `wasm-fetch-${rt}-http`, observed: { config_error: true } })
      continue
    }
    const itself = v.expect.kind === 'preflight' || v.expect.kind === 'refused'
    if (itself && appCalled(res.headers)) failures.push(`${rt} ${v.id}: a ${v.expect.kind} reached the app`)
    if (!itself && !v.expect.config_error && !appCalled(res.headers)) failures.push(`${rt} ${v.id}: the app was not called (status ${res.status})`)
    // The app's own header lines (x-app-called, content-type …) are not CORS's business;
    // for a merge vector the response is the final one, app_headers included.
    const headers = v.request.app_headers ? res.headers.filter(([n]) => !/^(x-app-called|x-corsgate-selected)$/i.test(n)) : strip(res.headers)
    const observed = { kind: null, allowed: null, status: res.status, headers }
    const selected = res.headers.find(([n]) => n.toLowerCase() === 'x-corsgate-selected')
    if (isSet(v)) {
      if (selected) Object.assign(observed, JSON.parse(selected[1]))
      else failures.push(`${rt} ${v.id}: the server did not say what the set selected`)
    }
    if (v.request.app_headers) observed.final_headers = headers
    observations.push({ id: v.id, via: `wasm-fetch-${rt}-http`, observed })
  }
  return notSent
}

function kindOf(r) {
  const has = (n) => r.headers.some(([k]) => k.toLowerCase() === n)
  if (!has('origin')) return 'not_cors'
  return r.method === 'OPTIONS' && has('access-control-request-method') ? 'preflight' : 'actual'
}

async function honoCompare(rt, port) {
  // Every request to both apps first, then one batch of browser verdicts.
  const exchanges = []
  const pairs = []
  for (const [i, c] of HONO_CASES.entries()) {
    const credentials = c.options.credentials === true
    for (const r of HONO_REQUESTS) {
      const kind = kindOf(r)
      const send = async (which) => {
        const res = await rawRequest(port, r.method, `/cmp/${i}/${which}/x`, r.headers)
        exchanges.push({ credentials, request: r.headers, kind, status: res.status, headers: res.headers })
        return { status: res.status, app: appCalled(res.headers), at: exchanges.length - 1 }
      }
      pairs.push({ case: c.name, request: r, hono: await send('hono'), corsgate: await send('corsgate') })
    }
  }
  const judged = verdicts(exchanges)
  const rows = []
  for (const p of pairs) {
    for (const side of [p.hono, p.corsgate]) Object.assign(side, judged[side.at])
    const h = p.hono
    const g = p.corsgate
    if (h.allowed !== g.allowed || h.app !== g.app || h.status !== g.status) rows.push(p)
  }
  const cell = (x) => `${x.allowed ? 'readable' : 'blocked'} (${x.status}${x.app ? ', app called' : ''})`
  const table = ['| options | request | hono/cors | corsgate |', '| --- | --- | --- | --- |']
  for (const d of rows) table.push(`| ${d.case} | ${d.request.name} | ${cell(d.hono)} | ${cell(d.corsgate)} |`)
  writeFileSync(join(REPO, 'build', `wasm-hono-${rt}.md`), table.join('\n') + '\n')
  const unseen = new Set(EXPECTED_DIFFERENCES.map((e) => e.name))
  for (const d of rows) {
    const key = `${d.case} / ${d.request.name}`
    if (d.corsgate.allowed && !d.hono.allowed) failures.push(`${rt} hono ${key}: corsgate lets a browser read what hono/cors does not`)
    const kind = EXPECTED_DIFFERENCES.find((e) => e.matches(d))
    if (!kind) failures.push(`${rt} hono ${key}: unexpected difference: hono ${cell(d.hono)}, corsgate ${cell(d.corsgate)}`)
    else unseen.delete(kind.name)
  }
  for (const k of unseen) failures.push(`${rt} hono: expected difference "${k}" not seen`)
  return rows.length
}

for (const rt of runtimes) {
  const s = await start(rt)
  try {
    const notSent = await vectorsOverHttp(rt, s.port)
    const diffs = await honoCompare(rt, s.port)
    console.error(`${rt}: ${vectors.length - notSent.length} vectors over HTTP; not sent ${notSent.length}: ${notSent.join('; ')}`)
    console.error(`${rt}: hono/cors vs corsgate: ${diffs} differences, all of the expected kinds (build/wasm-hono-${rt}.md)`)
  } finally {
    await s.stop()
  }
}
console.error(`skipped vectors: ${skipped.length} (${skipped.join(' ')})`)
const r = judge(observations)
for (const x of r.results) if (!x.ok) console.log(JSON.stringify(x))
for (const f of failures) console.log(f)
console.error(`judged by ${r.by}`)
const passed = r.passed
const failed = r.failed + failures.length
console.log(`judge: ${passed} passed, ${failed} failed`)
process.exitCode = failed === 0 && passed > 0 ? 0 : 1
