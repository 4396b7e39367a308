'use strict'
// What the e2e runners (run.js, cop.js, tenants.js) share: the command line, the Chromium
// they launch (Debian's, through playwright-core; nothing is downloaded) and the bounds
// that turn a hang into a failure naming its step.
const { spawnSync } = require('node:child_process')

const CHROMIUM = process.env.CORSGATE_E2E_CHROMIUM || '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync']

/** `--cli CORSGATE --out DIR --runtime NAME=URL...` → `{ cli, out, runtimes: [{ name, api }] }`. */
function parseArgs(argv, program) {
  const a = { runtimes: [], cli: null, out: null }
  for (let i = 0; i < argv.length; i++) {
    const k = argv[i]; const v = argv[++i]
    if (v === undefined) throw new Error(`missing value for ${k}`)
    if (k === '--runtime') {
      const eq = v.indexOf('=')
      a.runtimes.push({ name: v.slice(0, eq), api: v.slice(eq + 1).replace(/\/$/, '') })
    } else if (k === '--cli') a.cli = v
    else if (k === '--out') a.out = v
    else throw new Error(`unknown argument ${k}`)
  }
  if (!a.cli || !a.out || a.runtimes.length === 0) throw new Error(`usage: ${program} --cli CORSGATE --out DIR --runtime NAME=URL...`)
  return a
}

/** The engine's decisions (`corsgate eval POLICY --jsonl`, at most 60 s) for requests `[{method, headers, path?}]`. */
function evalJsonl(cli, policy, reqs) {
  if (reqs.length === 0) return []
  const input = reqs.map((r) => JSON.stringify(r)).join('\n') + '\n'
  const p = spawnSync(cli, ['eval', policy, '--jsonl'], { input, encoding: 'utf8', timeout: 60000 })
  if (p.status !== 0) throw new Error(`corsgate eval failed (${p.status}): ${p.stderr}`)
  return p.stdout.trim().split('\n').map((l) => JSON.parse(l))
}

// The step in progress, named by `step` and reported by `bounded`.
let current = 'start'

/**
 * Awaits `promise` for at most `ms`: its value, or a rejection naming `what` when it does
 * not settle in time. The timer is cleared either way (nothing lingers).
 */
function step(what, promise, ms = 10000) {
  current = what
  let timer
  const late = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)
  })
  return Promise.race([Promise.resolve(promise), late]).finally(() => clearTimeout(timer))
}

/** Kills (SIGKILL) the processes this one started and that are still alive (Chromium). */
function killChildren() {
  const ps = spawnSync('ps', ['-o', 'pid=', '--ppid', String(process.pid)], { encoding: 'utf8', timeout: 5000 })
  for (const pid of (ps.stdout || '').split(/\s+/).filter(Boolean).map(Number)) {
    if (pid === ps.pid) continue
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
}

/**
 * Runs `main` (resolving to true on success) as a whole program bounded by `ms`: exits 0
 * or 1 once it settles, whatever is still open; when it has not settled after `ms`, or it
 * throws, prints the step it was in and "<label>: 0 passed, 1 failed", kills what it
 * started and exits 1.
 */
function bounded(label, main, ms) {
  const fail = (why) => {
    console.log(`${label}: ${why}, in step "${current}"`)
    console.log(`${label}: 0 passed, 1 failed`)
    killChildren()
    process.exit(1)
  }
  const watchdog = setTimeout(() => fail(`still running after ${ms} ms`), ms)
  main().then((ok) => {
    clearTimeout(watchdog)
    killChildren() // normally nothing is left
    process.exit(ok ? 0 : 1)
  }, (e) => {
    console.error(e && e.stack ? e.stack : e)
    fail('failed')
  })
}

module.exports = { CHROMIUM, CHROMIUM_ARGS, parseArgs, evalJsonl, step, killChildren, bounded }
