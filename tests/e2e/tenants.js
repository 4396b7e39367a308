'use strict'
// Two tenants behind one nginx and one policy set, in a real browser (issue 14): headless
// Chromium resolves tenant-a.test and tenant-b.test (and their subdomains) to loopback
// (--host-resolver-rules); each tenant's page, http://app.tenant-X.test:27101, fetches
// its own API and the other tenant's, both http://api.tenant-X.test:27203/tenant/echo on
// the same nginx `location` under tenants.json (routes by the Host line). For every case
//   what the page's script could read == the case's expectation
//   == the engine's decision (`corsgate eval tenants.json --jsonl`, with Host and path)
// and the engine names the tenant's policy. Every await is bounded (runner.js `step`).
// Prints one line per case, then "tenants: N passed, N failed"; exit 1 on any failure.
//
//   node tenants.js --cli PATH/corsgate --out DIR --runtime nginx=http://127.0.0.1:27203
const fs = require('node:fs')
const path = require('node:path')
const { chromium } = require('playwright-core')
const { startPages } = require('./server.js')
const { CHROMIUM, CHROMIUM_ARGS, parseArgs, evalJsonl, step, bounded } = require('./runner.js')

const SET = path.join(__dirname, 'tenants.json')
const PAGE_PORT = 27101
const RESOLVE = '--host-resolver-rules=MAP tenant-a.test 127.0.0.1, MAP *.tenant-a.test 127.0.0.1, ' +
  'MAP tenant-b.test 127.0.0.1, MAP *.tenant-b.test 127.0.0.1'
const TENANTS = { a: 'tenant-a.test', b: 'tenant-b.test' }

// [id, page's tenant, API's tenant, method, expected outcome]
const CASES = [
  ['a-get-own', 'a', 'a', 'GET', 'read'],
  ['a-get-other', 'a', 'b', 'GET', 'blocked'],
  ['a-put-own', 'a', 'a', 'PUT', 'read'],
  ['a-put-other', 'a', 'b', 'PUT', 'blocked'],
  ['b-get-own', 'b', 'b', 'GET', 'read'],
  ['b-get-other', 'b', 'a', 'GET', 'blocked'],
]

function pageOrigin(t) { return `http://app.${TENANTS[t]}:${PAGE_PORT}` }

async function main() {
  const args = parseArgs(process.argv.slice(2), 'tenants.js')
  const nginx = args.runtimes.find((r) => r.name === 'nginx')
  if (!nginx) throw new Error('tenants.js needs --runtime nginx=URL')
  const port = new URL(nginx.api).port
  fs.mkdirSync(args.out, { recursive: true })
  // What Chromium sends for each case: a preflight first for PUT (Content-Type: application/json).
  const plan = CASES.map(([id, page, api, method, expect]) => {
    const host = `api.${TENANTS[api]}:${port}`
    const origin = pageOrigin(page)
    const reqs = method === 'PUT'
      ? [{ method: 'OPTIONS', path: '/tenant/echo', headers: [['Host', host], ['Origin', origin], ['Access-Control-Request-Method', 'PUT'], ['Access-Control-Request-Headers', 'content-type']] },
          { method: 'PUT', path: '/tenant/echo', headers: [['Host', host], ['Origin', origin], ['Content-Type', 'application/json']] }]
      : [{ method, path: '/tenant/echo', headers: [['Host', host], ['Origin', origin]] }]
    return { id, page, api, method, expect, url: `http://${host}/tenant/echo?case=${id}`, reqs }
  })
  const decisions = evalJsonl(args.cli, SET, plan.flatMap((p) => p.reqs))
  let k = 0
  for (const p of plan) p.decisions = p.reqs.map(() => decisions[k++])

  const closePages = await step('start the page server', startPages([PAGE_PORT]))
  const rows = []
  try {
    const profile = path.join(args.out, 'profile-tenants')
    fs.rmSync(profile, { recursive: true, force: true })
    const context = await step('launch Chromium', chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM, headless: true, args: [...CHROMIUM_ARGS, RESOLVE], timeout: 60000,
    }), 65000)
    try {
      const pages = {}
      for (const p of plan) {
        const problems = []
        let r = {}
        try {
          if (!pages[p.page]) {
            pages[p.page] = await step(`${p.id}: new page`, context.newPage())
            await step(`${p.id}: load ${pageOrigin(p.page)}/page.html`,
              pages[p.page].goto(`${pageOrigin(p.page)}/page.html`, { timeout: 10000 }), 11000)
          }
          const spec = { id: p.id, url: p.url, method: p.method, credentials: 'include', body: p.method === 'PUT' ? 'json' : undefined }
          r = await step(`${p.id}: fetch ${p.url} in the page`, pages[p.page].evaluate((s) => window.runCase(s), spec))
        } catch (e) {
          problems.push(`browser step failed: ${e.message}`)
        }
        const allowed = p.decisions.every((d) => d.allowed)
        const policies = [...new Set(p.decisions.map((d) => d.policy))]
        if (r.origin !== undefined && r.origin !== pageOrigin(p.page)) problems.push(`script ran on ${r.origin}`)
        if (r.outcome !== p.expect) problems.push(`Chromium: ${r.outcome}${r.error ? ` (${r.error})` : ''}, want ${p.expect}`)
        if ((allowed ? 'read' : 'blocked') !== p.expect) problems.push(`engine: ${p.decisions.map((d) => d.reason_code).join(', ')}`)
        if (policies.length !== 1 || policies[0] !== p.api) problems.push(`engine selected ${JSON.stringify(policies)}, want "${p.api}"`)
        if (r.outcome === 'read' && (r.body?.runtime !== 'nginx' || r.body?.method !== p.method)) problems.push(`read ${JSON.stringify(r.body)}`)
        rows.push({ id: p.id, problems, outcome: r.outcome })
        console.log(problems.length ? `FAIL tenants/${p.id}: ${problems.join('; ')}` : `ok   tenants/${p.id}: ${r.outcome} (policy ${policies[0]})`)
      }
    } finally {
      await step('close Chromium', context.close()).catch((e) => console.log(`tenants: ${e.message}`))
    }
  } finally {
    await step('close the page server', closePages()).catch((e) => console.log(`tenants: ${e.message}`))
  }
  fs.writeFileSync(path.join(args.out, 'results-tenants.json'), JSON.stringify(rows, null, 1))
  const failed = rows.filter((r) => r.problems.length).length
  console.log(`tenants: ${rows.length - failed} passed, ${failed} failed`)
  return failed === 0 && rows.length === CASES.length
}

bounded('tenants', main, 120000)
