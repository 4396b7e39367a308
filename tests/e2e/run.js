'use strict'
// The e2e runner: for every runtime (an API base URL), opens the case table's pages in
// headless Chromium (Debian's /usr/bin/chromium through playwright-core; nothing is
// downloaded), runs each case's fetch() and checks
//   browser outcome == the table's expectation == the engine's own decision
// where the engine's decision comes from `corsgate eval POLICY --jsonl` over exactly the
// requests the browser sends (the preflight when Fetch requires one, then the request).
// Writes build/e2e/results.json and a screenshot build/e2e/results.png.
// Prints one line per case and runtime, then "N passed, N failed"; exit 1 on any failure.
// Every await is bounded (runner.js `step`: a named failure when it runs out), the whole
// run too (runner.js `bounded`: names the step it found running, kills the Chromium it
// started and exits 1).
//
//   node run.js --cli PATH/corsgate --out DIR --runtime python=http://127.0.0.1:27201 ...
const fs = require('node:fs')
const path = require('node:path')
const { spawnSync } = require('node:child_process')
const { chromium } = require('playwright-core')
const { cases, PAGE_PORTS, SANDBOX_HOST_PAGE } = require('./cases.js')
const { startPages } = require('./server.js')
const { CHROMIUM, CHROMIUM_ARGS, parseArgs, step, killChildren, bounded } = require('./runner.js')

const POLICIES = { api: path.join(__dirname, 'policy.json'), star: path.join(__dirname, 'policy-star.json') }
const CASE_TIMEOUT_MS = 15000
const RUN_TIMEOUT_MS = 540000 // the whole run (4 runtimes × the case table, ~2 min idle)

// ---- what the browser sends (Fetch: CORS-safelisted methods and request headers) ----

const SAFE_METHODS = new Set(['GET', 'HEAD', 'POST'])
const SAFE_CONTENT_TYPES = new Set(['application/x-www-form-urlencoded', 'multipart/form-data', 'text/plain'])
const IMPLIED_CONTENT_TYPE = {  // what fetch() sets for each body kind of probe.js
  text: 'text/plain;charset=UTF-8',
  form: 'application/x-www-form-urlencoded;charset=UTF-8',
  multipart: 'multipart/form-data; boundary=----e2e',
}

function isSafelisted(name, value) {
  switch (name) {
    case 'accept': case 'accept-language': case 'content-language': return true
    case 'content-type': return SAFE_CONTENT_TYPES.has(value.split(';')[0].trim().toLowerCase())
    default: return false
  }
}

/** The requests Chromium makes for a case: [preflight?, actual], each {method, headers}. */
function browserRequests(c, origin) {
  const headers = Object.entries(c.headers || {}).map(([n, v]) => [n.toLowerCase(), v])
  if (c.body === 'json') headers.push(['content-type', 'application/json'])
  else if (IMPLIED_CONTENT_TYPE[c.body]) headers.push(['content-type', IMPLIED_CONTENT_TYPE[c.body]])
  const unsafe = [...new Set(headers.filter(([n, v]) => !isSafelisted(n, v)).map(([n]) => n))].sort()
  const reqs = []
  if (!SAFE_METHODS.has(c.method) || unsafe.length > 0) {
    const h = [['Origin', origin], ['Access-Control-Request-Method', c.method]]
    if (unsafe.length > 0) h.push(['Access-Control-Request-Headers', unsafe.join(',')])
    reqs.push({ method: 'OPTIONS', headers: h })
  }
  reqs.push({ method: c.method, headers: [['Origin', origin], ...headers] })
  return reqs
}

// ---- the engine's decision ----

/** Runs `corsgate eval POLICY --jsonl` once per policy over all requests. */
function engineDecisions(cli, requestsByPolicy) {
  const out = {}
  for (const [policy, reqs] of Object.entries(requestsByPolicy)) {
    const input = reqs.map((r) => JSON.stringify(r)).join('\n') + '\n'
    const p = spawnSync(cli, ['eval', POLICIES[policy], '--jsonl'], { input, encoding: 'utf8' })
    if (p.status !== 0) throw new Error(`corsgate eval failed (${p.status}): ${p.stderr}`)
    const lines = p.stdout.trim().split('\n').map((l) => JSON.parse(l))
    if (lines.length !== reqs.length) throw new Error(`corsgate eval: ${lines.length} answers for ${reqs.length} requests`)
    out[policy] = lines
  }
  return out
}

function header(decision, name) {
  const h = decision.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())
  return h ? h[1] : null
}

/** The engine's verdict for one browser request: its `allowed` (which assumes the
 * credentials mode of the policy), plus, for credentials: 'include', Fetch's extra
 * demands of the headers it returns (ACAO is the origin itself, ACAC is `true`). */
function engineAllows(decision, c, origin) {
  if (decision.error) return false
  if (!decision.allowed) return false
  if (c.credentials === 'include') {
    return header(decision, 'Access-Control-Allow-Origin') === origin &&
      header(decision, 'Access-Control-Allow-Credentials') === 'true'
  }
  return true
}

// ---- one case in the browser ----

function isSandboxed(c) { return c.page === 'null' }

function checkRead(c, r, runtime, result) {
  const problems = []
  if (r.status !== 200) problems.push(`status ${r.status}`)
  const body = r.body || {}
  if (c.method !== 'HEAD') {
    if (body.runtime !== runtime) problems.push(`answered by ${body.runtime}, not ${runtime}`)
    if (body.method !== c.method) problems.push(`API saw method ${body.method}`)
  }
  const want = c.read || {}
  if ('requestId' in want && r.requestId !== want.requestId) problems.push(`x-request-id read as ${r.requestId}`)
  if ('secret' in want && r.secret !== want.secret) problems.push(`x-secret read as ${r.secret}`)
  if ('cookie' in want) {
    const expected = want.cookie ? `sid=${runtime}-session` : null
    if (body.cookie !== expected) problems.push(`API saw cookie ${JSON.stringify(body.cookie)}, expected ${JSON.stringify(expected)}`)
    if (r.setCookieStatus !== 200) problems.push(`set-cookie answered ${r.setCookieStatus}`)
  }
  result.readProblems = problems
  return problems
}

async function runCase(page, c, runtime) {
  const spec = {
    id: c.id,
    api: runtime.api,
    url: `${runtime.api}/${c.path || 'api'}/echo?case=${encodeURIComponent(c.id)}`,
    method: c.method,
    headers: c.headers || {},
    body: c.body || null,
    credentials: c.credentials || null,
    setCookie: !!c.setCookie,
    sandbox: isSandboxed(c),
  }
  // A case that does not answer in time is the outcome 'timeout' (a failed case, not a hang).
  return step(`${runtime.name}/${c.id}: fetch in the page`, page.evaluate((s) => window.runCase(s), spec), CASE_TIMEOUT_MS)
    .catch((e) => ({ outcome: 'timeout', error: e.message }))
}

// ---- what Chromium really did (DevTools protocol) ----

/** Watches a page's network: every request to a case URL (`?case=ID`), the preflight
 * included, and the CORS error of each failed one. Sandboxed iframes run out of process,
 * so their requests are not seen here (their Origin: null is checked in the page). */
async function watchNetwork(context, page) {
  const byCase = new Map()
  const ids = new Map()
  const entry = (id) => { if (!byCase.has(id)) byCase.set(id, { requests: [], corsErrors: [] }); return byCase.get(id) }
  const cdp = await step('open a DevTools session', context.newCDPSession(page))
  cdp.on('Network.requestWillBeSent', (e) => {
    const m = /\/(?:api|star)\/echo\?case=([^&]+)$/.exec(e.request.url)
    if (!m) return
    const id = decodeURIComponent(m[1])
    ids.set(e.requestId, id)
    const h = Object.fromEntries(Object.entries(e.request.headers).map(([k, v]) => [k.toLowerCase(), v]))
    entry(id).requests.push({ method: e.request.method, acrm: h['access-control-request-method'] ?? null,
      acrh: h['access-control-request-headers'] ?? null, contentType: h['content-type'] ?? null })
  })
  cdp.on('Network.loadingFailed', (e) => {
    const id = ids.get(e.requestId)
    if (id !== undefined && e.corsErrorStatus) entry(id).corsErrors.push(e.corsErrorStatus.corsError)
  })
  await step('enable DevTools network events', cdp.send('Network.enable'))
  return byCase
}

/** Compares what Chromium sent with what the engine was asked about. */
async function checkNetwork(byCase, p, outcome) {
  const planned = p.reqs.map((r) => r.method === 'OPTIONS'
    ? `OPTIONS(${r.headers.find(([n]) => n === 'Access-Control-Request-Method')[1]};` +
      `${(r.headers.find(([n]) => n === 'Access-Control-Request-Headers') || [null, ''])[1]})`
    : r.method)
  const summarize = (seen) => seen.requests.map((r) => r.method === 'OPTIONS' && r.acrm
    ? `OPTIONS(${r.acrm};${r.acrh || ''})` : r.method).sort()
  // Events come in asynchronously: give them up to 2 s to arrive.
  let seen = { requests: [], corsErrors: [] }
  for (let i = 0; i < 40; i++) {
    seen = byCase.get(p.c.id) || seen
    const complete = summarize(seen).length >= planned.length && (outcome !== 'blocked' || seen.corsErrors.length > 0)
    if (complete) break
    await new Promise((r) => setTimeout(r, 50))
  }
  const problems = []
  const got = summarize(seen)
  if (JSON.stringify(got) !== JSON.stringify([...planned].sort())) {
    problems.push(`Chromium sent ${JSON.stringify(got)}, the engine was asked about ${JSON.stringify(planned)}`)
  }
  if (outcome === 'blocked' && seen.corsErrors.length === 0) problems.push('blocked without a CORS error (network failure?)')
  if (outcome === 'read' && seen.corsErrors.length > 0) problems.push(`read, yet CORS errors ${seen.corsErrors}`)
  return { problems, sent: got, corsErrors: seen.corsErrors }
}

// ---- results page ----

function esc(s) {
  return String(s).replace(/[&<>"]/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[ch]))
}

function resultsHtml(rows, runtimes, summary, browserVersion) {
  const head = runtimes.map((r) => `<th>${esc(r.name)}</th>`).join('')
  const body = cases.map((c) => {
    const cells = runtimes.map((rt) => {
      const r = rows.find((x) => x.runtime === rt.name && x.id === c.id)
      const why = r.corsErrors && r.corsErrors.length ? ` <small>${esc(r.corsErrors[0])}</small>` : ''
      return `<td class="${r.pass ? 'ok' : 'bad'}">${esc(r.browser)}${why}${r.pass ? '' : ' ✗'}</td>`
    }).join('')
    const e = rows.find((x) => x.id === c.id)
    return `<tr><td>${esc(c.id)}</td><td>${esc(c.page)}</td><td>${esc(c.method)} /${esc(c.path || 'api')}</td>` +
      `<td>${esc(c.credentials || '')}${c.setCookie ? ' +cookie' : ''}</td><td>${esc(c.expect)}</td>` +
      `<td>${esc(e.engine)} <small>${esc(e.decisions.map((d) => d.reason_code).join(', '))}</small></td>${cells}</tr>`
  }).join('\n')
  return `<!doctype html><meta charset="utf-8"><title>corsgate e2e</title>
<style>body{font:12px sans-serif;margin:12px}table{border-collapse:collapse}td,th{border:1px solid #999;padding:2px 6px}
.ok{background:#c8f7c5}.bad{background:#f7c5c5;font-weight:bold}</style>
<h3>corsgate e2e — ${esc(summary)} — ${esc(browserVersion)}</h3>
<table><tr><th>case</th><th>page origin</th><th>request</th><th>credentials</th><th>expected</th><th>engine</th>${head}</tr>
${body}</table>`
}

// ---- main ----

async function main() {
  const args = parseArgs(process.argv.slice(2), 'run.js')
  fs.mkdirSync(args.out, { recursive: true })

  // The engine's decision for every case (independent of the runtime).
  const requestsByPolicy = { api: [], star: [] }
  const plan = cases.map((c) => {
    const origin = c.page === 'null' ? 'null' : c.page
    const reqs = browserRequests(c, origin)
    const policy = c.path || 'api'
    const idx = reqs.map((r) => requestsByPolicy[policy].push(r) - 1)
    return { c, origin, reqs, policy, idx }
  })
  const decisions = engineDecisions(args.cli, requestsByPolicy)
  for (const p of plan) {
    p.decisions = p.idx.map((i) => decisions[p.policy][i])
    p.engine = p.decisions.every((d) => engineAllows(d, p.c, p.origin)) ? 'read' : 'blocked'
  }

  const closePages = await step('start the page servers', startPages(PAGE_PORTS))
  const rows = []
  let passed = 0
  let failed = 0
  let shot = null
  try {
    for (const runtime of args.runtimes) {
      const profile = path.join(args.out, `profile-${runtime.name}`)
      fs.rmSync(profile, { recursive: true, force: true })
      const context = await step(`${runtime.name}: launch Chromium`, chromium.launchPersistentContext(profile, {
        executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000,
      }), 65000)
      try {
        const pages = new Map()
        for (const p of plan) {
          const { c } = p
          const pageOrigin = c.page === 'null' ? SANDBOX_HOST_PAGE : c.page
          let page = pages.get(pageOrigin)
          if (!page) {
            page = await step(`${runtime.name}/${c.id}: new page`, context.newPage())
            page.network = await watchNetwork(context, page)
            await step(`${runtime.name}/${c.id}: load ${pageOrigin}/page.html`,
              page.goto(`${pageOrigin}/page.html`, { timeout: 10000 }), 11000)
            pages.set(pageOrigin, page)
          }
          await step(`${runtime.name}/${c.id}: clear cookies`, context.clearCookies())
          const r = await runCase(page, c, runtime)
          const row = { runtime: runtime.name, id: c.id, page: c.page, expect: c.expect, engine: p.engine,
            browser: r.outcome, origin: r.origin, result: r,
            requests: p.reqs, decisions: p.decisions.map((d) => ({ allowed: d.allowed, reason_code: d.reason_code, headers: d.headers })) }
          const problems = []
          if (r.origin !== p.origin) problems.push(`script ran on origin ${r.origin}, expected ${p.origin}`)
          if (r.outcome !== c.expect) problems.push(`browser: ${r.outcome}${r.error ? ` (${r.error})` : ''}, expected ${c.expect}`)
          if (p.engine !== c.expect) problems.push(`engine: ${p.engine} (${p.decisions.map((d) => d.reason_code).join(', ')}), expected ${c.expect}`)
          if (r.outcome === 'read') problems.push(...checkRead(c, r, runtime.name, row))
          if (!isSandboxed(c)) {
            const net = await checkNetwork(page.network, p, r.outcome)
            row.sent = net.sent
            row.corsErrors = net.corsErrors
            problems.push(...net.problems)
          }
          row.pass = problems.length === 0
          row.problems = problems
          rows.push(row)
          if (row.pass) { passed++; console.log(`ok   ${runtime.name}/${c.id}: ${r.outcome}`) }
          else { failed++; console.log(`FAIL ${runtime.name}/${c.id}: ${problems.join('; ')}`) }
        }
        // The results page, rendered by the last runtime's browser.
        if (runtime === args.runtimes[args.runtimes.length - 1]) {
          const page = await step('results page: new page', context.newPage())
          const summary = `${passed} passed, ${failed} failed`
          const version = await step('results page: read the user agent',
            page.evaluate(() => navigator.userAgent.match(/Chrome\/[0-9.]+/)[0]))
          const html = resultsHtml(rows, args.runtimes, summary, version)
          await step('results page: render', page.setContent(html, { timeout: 10000 }), 11000)
          shot = path.join(args.out, 'results.png')
          await step('results page: screenshot', page.screenshot({ path: shot, fullPage: true, timeout: 20000 }), 21000)
          fs.writeFileSync(path.join(args.out, 'results.html'), html)
        }
      } finally {
        // Pages close with the context (a page.close() after a navigation can hang: issue 13).
        await step(`${runtime.name}: close Chromium`, context.close()).catch((e) => {
          console.log(`e2e: ${e.message}; killing it`)
          killChildren()
        })
      }
    }
  } finally {
    await step('close the page servers', closePages()).catch((e) => console.log(`e2e: ${e.message}`))
  }
  fs.writeFileSync(path.join(args.out, 'results.json'), JSON.stringify(rows, null, 1))
  for (const rt of args.runtimes) {
    const mine = rows.filter((r) => r.runtime === rt.name)
    console.log(`e2e ${rt.name}: ${mine.filter((r) => r.pass).length}/${mine.length} cases agree (browser == expectation == engine)`)
  }
  if (shot) console.log(`screenshot: ${shot}`)
  console.log(`${passed} passed, ${failed} failed`)
  return failed === 0 && passed > 0
}

bounded('e2e', main, RUN_TIMEOUT_MS)
