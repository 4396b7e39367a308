'use strict'
// A raw HTTP/1.1 client over node:net, so that tests send exactly the vector's header
// lines (repeated names, odd bytes) and read every response line as sent.

const net = require('node:net')

/**
 * Sends one request to 127.0.0.1:`port` and resolves `{ status, headers: [[name, value]…], body }`.
 * Header values are written as UTF-8 bytes. Times out after `timeoutMs`. `opts.hostless`:
 * a request without any `Host` line (sent as HTTP/1.0, where `Host` is optional; an
 * HTTP/1.1 server answers 400 to an HTTP/1.1 request without one).
 */
function rawRequest(port, method, path, headerLines, timeoutMs = 5000, opts = {}) {
  return new Promise((resolve, reject) => {
    // The request's own Host line when it has one (cross-origin protection compares it
    // with the Origin), else the server's address (none at all when `hostless`).
    const ownHost = opts.hostless === true || headerLines.some(([n]) => n.toLowerCase() === 'host')
    const version = opts.hostless === true ? 'HTTP/1.0' : 'HTTP/1.1'
    const parts = [Buffer.from(`${method} ${path} ${version}\r\n${ownHost ? '' : `Host: 127.0.0.1:${port}\r\n`}`, 'latin1')]
    for (const [n, v] of headerLines) {
      parts.push(Buffer.from(`${n}: `, 'latin1'), Buffer.from(v, 'utf8'), Buffer.from('\r\n', 'latin1'))
    }
    parts.push(Buffer.from('Connection: close\r\n\r\n', 'latin1'))
    const chunks = []
    const sock = net.connect({ host: '127.0.0.1', port }, () => sock.end(Buffer.concat(parts)))
    sock.setTimeout(timeoutMs, () => sock.destroy(new Error(`timeout: ${method} ${path}`)))
    sock.on('data', (d) => chunks.push(d))
    sock.on('error', reject)
    sock.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1')
      const end = raw.indexOf('\r\n\r\n')
      if (end < 0) return reject(new Error(`no response head: ${JSON.stringify(raw.slice(0, 200))}`))
      const [statusLine, ...lines] = raw.slice(0, end).split('\r\n')
      const status = Number(statusLine.split(' ')[1])
      const headers = lines.map((l) => {
        const i = l.indexOf(':')
        return [l.slice(0, i), l.slice(i + 1).trim()]
      })
      resolve({ status, headers, body: raw.slice(end + 4) })
    })
  })
}

/** Listens on 127.0.0.1, an ephemeral port; resolves the port. */
function listen(server) {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve(server.address().port))
  })
}

function close(server) {
  return new Promise((resolve) => {
    if (server.closeAllConnections) server.closeAllConnections()
    server.close(() => resolve())
  })
}

module.exports = { rawRequest, listen, close }
