'use strict'
// The small static server of the e2e suite: serves pages/ (page.html, probe.js) on
// 127.0.0.1 at each page port. Every host name a case uses (127.0.0.1, localhost,
// a.b.test.localhost, pr-42.preview.localhost ...) resolves to loopback inside Chromium,
// so one listener per port serves all the page origins of that port.
//
//   node server.js PORT...      (standalone; run.js starts it in-process)
const http = require('node:http')
const fs = require('node:fs')
const path = require('node:path')

const PAGES = path.join(__dirname, 'pages')
const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8' }

function handler(req, res) {
  const name = new URL(req.url, 'http://x').pathname.replace(/^\/+/, '')
  if (!/^[a-z0-9_-]+\.(html|js)$/.test(name)) { res.writeHead(404).end(); return }
  fs.readFile(path.join(PAGES, name), (err, data) => {
    if (err) { res.writeHead(404).end(); return }
    res.writeHead(200, { 'Content-Type': TYPES[path.extname(name)], 'Cache-Control': 'no-store' })
    res.end(data)
  })
}

/** Listens on every port; resolves to a close() function. */
async function startPages(ports) {
  const servers = await Promise.all(ports.map((port) => new Promise((resolve, reject) => {
    const s = http.createServer(handler)
    s.once('error', reject)
    s.listen(port, '127.0.0.1', () => resolve(s))
  })))
  return () => Promise.all(servers.map((s) => new Promise((r) => s.close(r))))
}

module.exports = { startPages }

if (require.main === module) {
  const ports = process.argv.slice(2).map(Number)
  startPages(ports).then(() => console.log(`pages on 127.0.0.1:${ports.join(',')}`))
}
