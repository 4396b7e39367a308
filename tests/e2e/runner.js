'use strict'
// What the e2e runners (run.js, cop.js) share: the command line and the Chromium they
// launch (Debian's, through playwright-core; nothing is downloaded).

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

module.exports = { CHROMIUM, CHROMIUM_ARGS, parseArgs }
