'use strict'
// Cross-origin protection in a real browser (DESIGN "Cross-origin protection"): headless
// Chromium against each runtime's /cop/* routes (policy-cop.json, protection on), and
// the old-browser path (no Sec-Fetch-Site) with a raw client. For every case it checks
//   the answer Chromium got (status, or whether the WebSocket opened)
//   == the case's expectation
//   == the engine's decision (`corsgate eval policy-cop.json --jsonl`) over the request
//      as Chromium sent it (its headers, from the DevTools protocol; Host from the URL)
// and, from the application's own record (/cop/record, read directly, not through the
// browser), whether the side effect happened: a refused request never reaches it.
// Prints one line per case and runtime, then "N passed, N failed"; exit 1 on any failure.
//
// Every await is bounded (runner.js `step`: a named failure when it runs out), the whole
// run too (runner.js `bounded`: names the step it found running, kills the Chromium it
// started, exits 1), and the process exits once the summary is printed: a hang is a
// failure naming its step, never a silent stall.
//
//   node cop.js --cli PATH/corsgate --out DIR --runtime python=http://127.0.0.1:27201 ...
const fs = require('node:fs')
const path = require('node:path')
const http = require('node:http')
const net = require('node:net')
const crypto = require('node:crypto')
const { chromium } = require('playwright-core')
const { startPages } = require('./server.js')
const { CHROMIUM, CHROMIUM_ARGS, parseArgs, evalJsonl, step, killChildren, bounded } = require('./runner.js')

const POLICY = path.join(__dirname, 'policy-cop.json')
const TRUSTED = 'http://127.0.0.1:27101' // in policy-cop.json (port range), same site as the API
const UNTRUSTED = 'http://evil.localhost:27102' // not in policy-cop.json, another site
const PAGE_PORTS = [27101, 27102]
const STEP_TIMEOUT_MS = 10000

// The browser cases. `page`: where the script runs ('api' = the API's own origin);
// `act`: what it does; `refused`: whether protection must refuse it; `effect`: what the
// application's record must show afterwards.
const CASES = [
  { id: 'form-post-cross-site', page: UNTRUSTED, act: 'form', refused: true, effect: { writes: [] } },
  { id: 'no-cors-fetch-post-cross-site', page: UNTRUSTED, act: 'no-cors', refused: true, effect: { writes: [] } },
  { id: 'credentialed-put-trusted', page: TRUSTED, act: 'put', refused: false, effect: { writes: ['PUT'] } },
  { id: 'form-post-same-origin', page: 'api', act: 'form', refused: false, effect: { writes: ['POST'] } },
  { id: 'websocket-untrusted', page: UNTRUSTED, act: 'websocket', refused: true, effect: { sockets: 0 } },
  { id: 'websocket-trusted', page: TRUSTED, act: 'websocket', refused: false, effect: { sockets: 1 } },
]

/** GET `url` from Node (not the browser), on a fresh connection, at most STEP_TIMEOUT_MS: `{ status, body }`. */
function get(url) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: STEP_TIMEOUT_MS }, (res) => {
      let body = ''
      res.on('data', (d) => { body += d })
      res.on('end', () => resolve({ status: res.statusCode, body }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`GET ${url}: no answer in ${STEP_TIMEOUT_MS} ms`)))
    req.on('error', reject)
  })
}

async function record(api, id) {
  const r = await step(`${api}: read /cop/record for ${id}`, get(`${api}/cop/record?case=${encodeURIComponent(id)}`))
  return JSON.parse(r.body)
}

/** The engine's decisions for requests `[{method, headers}]` (`corsgate eval --jsonl`). */
function engine(cli, reqs) {
  return evalJsonl(cli, POLICY, reqs)
}

/** The request as Chromium sent it: its header lines (DevTools), Host from the URL when not listed. */
function asSent(method, url, headers) {
  const lines = Object.entries(headers).filter(([n]) => !n.startsWith(':'))
  if (!lines.some(([n]) => n.toLowerCase() === 'host')) lines.unshift(['Host', new URL(url).host])
  return { method, headers: lines }
}

/** Runs one browser case in `page`; resolves `{ status | opened, sent }`. */
async function runBrowserCase(page, c, runtime) {
  const url = `${runtime.api}/cop/echo?case=${encodeURIComponent(c.id)}`
  if (c.act === 'websocket') {
    const wsUrl = `${runtime.api.replace(/^http/, 'ws')}/cop/ws?case=${encodeURIComponent(c.id)}`
    const handshake = page.copHandshake(wsUrl)
    const opened = await step(`${c.id}: WebSocket in the page`, page.evaluate((u) => new Promise((resolve) => {
      const ws = new WebSocket(u)
      const t = setTimeout(() => { ws.close(); resolve('timeout') }, 8000)
      ws.onmessage = (m) => { clearTimeout(t); ws.close(); resolve(`open:${m.data}`) }
      ws.onerror = () => { clearTimeout(t); resolve('error') }
    }), wsUrl))
    const req = await step(`${c.id}: the WebSocket handshake seen by DevTools`, handshake)
    return { opened, sent: asSent('GET', wsUrl, req.headers) }
  }
  const method = c.act === 'put' ? 'PUT' : 'POST'
  const responded = page.waitForResponse((r) => r.url() === url && r.request().method() === method, { timeout: STEP_TIMEOUT_MS })
  if (c.act === 'form') {
    await step(`${c.id}: submit the form`, page.evaluate((u) => {
      const f = document.createElement('form')
      f.method = 'POST'
      f.action = u
      const i = document.createElement('input')
      i.name = 'amount'
      i.value = '100'
      f.appendChild(i)
      document.body.appendChild(f)
      f.submit()
    }, url))
  } else {
    const init = c.act === 'no-cors'
      ? { method: 'POST', mode: 'no-cors', credentials: 'include', body: 'amount=100' }
      : { method: 'PUT', mode: 'cors', credentials: 'include', headers: { 'Content-Type': 'application/json' }, body: '{"amount":100}' }
    // The page's own verdict is not needed here; the response status is Chromium's.
    page.evaluate(([u, i]) => fetch(u, i).then(() => 'read', () => 'blocked'), [url, init]).catch(() => {})
  }
  const res = await step(`${c.id}: the ${method} response`, responded, STEP_TIMEOUT_MS + 1000)
  const req = res.request()
  return { status: res.status(), sent: asSent(req.method(), url, await step(`${c.id}: request headers`, req.allHeaders())) }
}

/**
 * Watches `page`'s WebSocket handshakes through the DevTools protocol (the header lines
 * Chromium really sent); `page.copHandshake(url)` resolves the first one to `url`.
 */
async function watchWebSockets(context, page) {
  const cdp = await step('open a DevTools session', context.newCDPSession(page))
  const urls = new Map()
  const seen = []
  let wake = () => {}
  cdp.on('Network.webSocketCreated', (e) => urls.set(e.requestId, e.url))
  cdp.on('Network.webSocketWillSendHandshakeRequest', (e) => {
    seen.push({ url: urls.get(e.requestId), headers: e.request.headers })
    wake()
  })
  await step('DevTools Network.enable', cdp.send('Network.enable'))
  page.copHandshake = async (url) => {
    for (;;) {
      const hit = seen.find((s) => s.url === url)
      if (hit) return hit
      await new Promise((r) => { wake = r })
    }
  }
}

/** A raw HTTP/1.1 request (an old browser: Origin, no Sec-Fetch-Site); resolves `{ status, headers }`. */
function raw(api, method, pathname, lines, upgrade) {
  const { hostname, port } = new URL(api)
  return new Promise((resolve, reject) => {
    const head = [`${method} ${pathname} HTTP/1.1`, `Host: ${hostname}:${port}`, ...lines.map(([n, v]) => `${n}: ${v}`)]
    if (upgrade) {
      head.push('Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${crypto.randomBytes(16).toString('base64')}`,
        'Sec-WebSocket-Version: 13')
    } else head.push('Content-Length: 10', 'Content-Type: application/x-www-form-urlencoded', 'Connection: close')
    const sock = net.connect({ host: hostname, port: Number(port) }, () => sock.write(head.join('\r\n') + '\r\n\r\n' + (upgrade ? '' : 'amount=100')))
    let data = ''
    sock.setTimeout(STEP_TIMEOUT_MS, () => sock.destroy(new Error('raw client timeout')))
    const done = () => {
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return reject(new Error(`no response head: ${JSON.stringify(data.slice(0, 100))}`))
      const [statusLine, ...rest] = data.slice(0, end).split('\r\n')
      sock.destroy()
      resolve({ status: Number(statusLine.split(' ')[1]), headers: rest.map((l) => [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1).trim()]) })
    }
    sock.on('data', (d) => {
      data += d.toString('latin1')
      const end = data.indexOf('\r\n\r\n')
      if (end < 0) return
      // A 101, or an answer whose Content-Length arrived (a server may keep the connection).
      const length = /\r\ncontent-length:[ \t]*(\d+)/i.exec(data.slice(0, end))
      if (data.startsWith('HTTP/1.1 101') || (length && data.length - end - 4 >= Number(length[1]))) done()
    })
    sock.on('error', reject)
    sock.on('close', done)
  })
}

/** The old-browser cases through a raw client: [id, method, path, lines, upgrade, refused, effect]. */
function rawCases(api) {
  const self = api.replace(/\/$/, '')
  return [
    ['raw-post-untrusted', 'POST', '/cop/echo', [['Origin', UNTRUSTED]], false, true, { writes: [] }],
    ['raw-post-origin-equals-host', 'POST', '/cop/echo', [['Origin', self]], false, false, { writes: ['POST'] }],
    ['raw-post-trusted', 'POST', '/cop/echo', [['Origin', TRUSTED]], false, false, { writes: ['POST'] }],
    ['raw-post-no-origin', 'POST', '/cop/echo', [], false, false, { writes: ['POST'] }],
    ['raw-websocket-untrusted', 'GET', '/cop/ws', [['Origin', UNTRUSTED]], true, true, { sockets: 0 }],
    ['raw-websocket-origin-equals-host', 'GET', '/cop/ws', [['Origin', self]], true, false, { sockets: 1 }],
  ]
}

function effectProblems(want, got) {
  const problems = []
  for (const [k, v] of Object.entries(want)) {
    if (JSON.stringify(got[k]) !== JSON.stringify(v)) problems.push(`the application's record has ${k}=${JSON.stringify(got[k])}, want ${JSON.stringify(v)}`)
  }
  return problems
}

async function main() {
  const args = parseArgs(process.argv.slice(2), 'cop.js')
  fs.mkdirSync(args.out, { recursive: true })
  const closePages = await step('start the page servers', startPages(PAGE_PORTS))
  const rows = []
  try {
    for (const runtime of args.runtimes) {
      const profile = path.join(args.out, `profile-cop-${runtime.name}`)
      fs.rmSync(profile, { recursive: true, force: true })
      const context = await step(`${runtime.name}: launch Chromium`,
        chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 60000 }), 65000)
      try {
        for (const c of CASES) {
          const row = { runtime: runtime.name, id: c.id, problems: [] }
          try {
            const page = await step(`${runtime.name}/${c.id}: new page`, context.newPage())
            await watchWebSockets(context, page)
            const origin = c.page === 'api' ? runtime.api : c.page
            const where = `${origin}/${c.page === 'api' ? 'cop/page' : 'page.html'}`
            await step(`${runtime.name}/${c.id}: load ${where}`, page.goto(where, { timeout: STEP_TIMEOUT_MS }), STEP_TIMEOUT_MS + 1000)
            row.result = await runBrowserCase(page, c, runtime)
            // Not page.close(): after a form submission has navigated the page, Chromium
            // 156 + playwright 1.65 can leave page.close() pending forever (issue 13's
            // stall). The pages stay open until the context closes (6 per runtime).
          } catch (e) {
            row.problems.push(`browser step failed: ${e.message}`)
          }
          rows.push(Object.assign(row, { c }))
        }
        const decisions = engine(args.cli, rows.filter((r) => r.runtime === runtime.name && r.result).map((r) => r.result.sent))
        let k = 0
        for (const row of rows.filter((r) => r.runtime === runtime.name)) {
          const { c } = row
          if (row.result) {
            const d = decisions[k++]
            const r = row.result
            const browserRefused = c.act === 'websocket' ? r.opened !== 'open:hello' : r.status === 403
            if (browserRefused !== c.refused) row.problems.push(`Chromium got ${c.act === 'websocket' ? r.opened : r.status}, want ${c.refused ? 'refused' : 'through'}`)
            if (c.act !== 'websocket' && !c.refused && r.status !== 200) row.problems.push(`status ${r.status}`)
            if ((d.kind === 'refused') !== c.refused) row.problems.push(`engine: ${d.kind} (${d.reason_code}) for ${JSON.stringify(r.sent)}`)
            row.engine = d.kind
          }
          try {
            row.problems.push(...effectProblems(c.effect, await record(runtime.api, c.id)))
          } catch (e) {
            row.problems.push(e.message)
          }
        }
      } finally {
        await step(`${runtime.name}: close Chromium`, context.close()).catch((e) => {
          console.log(`cop.js: ${e.message}; killing it`)
          killChildren()
        })
      }
      // The old-browser path: a raw client, no Sec-Fetch-Site.
      for (const [id, method, pathname, lines, upgrade, refused, effect] of rawCases(runtime.api)) {
        const row = { runtime: runtime.name, id, problems: [] }
        const url = `${pathname}?case=${encodeURIComponent(`${id}`)}`
        try {
          const r = await step(`${runtime.name}/${id}: raw client`, raw(runtime.api, method, url, lines, upgrade), STEP_TIMEOUT_MS + 1000)
          const vary = r.headers.filter(([n]) => n.toLowerCase() === 'vary').map(([, v]) => v)
          if (refused && (r.status !== 403 || vary.join() !== 'Origin')) row.problems.push(`got ${r.status} Vary ${JSON.stringify(vary)}, want 403 Vary: Origin`)
          if (!refused && r.status !== (upgrade ? 101 : 200)) row.problems.push(`got ${r.status}, want ${upgrade ? 101 : 200}`)
          const { hostname, port } = new URL(runtime.api)
          const d = engine(args.cli, [{ method, headers: [['Host', `${hostname}:${port}`], ...lines, ...(upgrade ? [['Upgrade', 'websocket']] : [])] }])[0]
          if ((d.kind === 'refused') !== refused) row.problems.push(`engine: ${d.kind}`)
          row.engine = d.kind
          row.result = { status: r.status }
        } catch (e) {
          row.problems.push(`raw client failed: ${e.message}`)
        }
        // A refused socket closes at once; give an accepted one a moment to be recorded.
        await new Promise((r) => setTimeout(r, 50))
        try {
          row.problems.push(...effectProblems(effect, await record(runtime.api, id)))
        } catch (e) {
          row.problems.push(e.message)
        }
        rows.push(row)
      }
    }
  } finally {
    await step('close the page servers', closePages()).catch((e) => console.log(`cop.js: ${e.message}`))
  }
  let passed = 0
  let failed = 0
  for (const row of rows) {
    const what = row.result ? (row.result.opened ?? row.result.status) : '-'
    if (row.problems.length === 0) { passed++; console.log(`ok   ${row.runtime}/cop-${row.id}: ${what} (engine ${row.engine})`) }
    else { failed++; console.log(`FAIL ${row.runtime}/cop-${row.id}: ${row.problems.join('; ')}`) }
    delete row.c
  }
  fs.writeFileSync(path.join(args.out, 'results-cop.json'), JSON.stringify(rows, null, 1))
  console.log(`cross-origin protection: ${passed} passed, ${failed} failed`)
  return failed === 0 && passed > 0
}

bounded('cross-origin protection', main, 240000)
