'use strict'
// The requests the Node benches share: the 1,000-origin list and a browser-like request
// as node:http hands it over (an IncomingMessage with typical headers around `extra`).

const http = require('node:http')
const net = require('node:net')

/** 1,000 exact origins. */
const ORIGINS = Array.from({ length: 1000 }, (_, i) => `https://app-${i}.tenant-${i % 97}.example.com`)

const SOCKET = new net.Socket()

/** An IncomingMessage for `method` /api with typical browser headers plus `extra` lines. */
function request(method, extra) {
  const lines = [['Host', 'api.example.com'], ['User-Agent', 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36'], ['Accept', '*/*'], ['Accept-Encoding', 'gzip, deflate, br'], ['Accept-Language', 'en-US,en;q=0.9'], ...extra, ['Connection', 'keep-alive']]
  const m = new http.IncomingMessage(SOCKET)
  m.method = method
  m.url = '/api'
  m.httpVersionMajor = 1
  m.httpVersionMinor = 1
  m.httpVersion = '1.1'
  m.rawHeaders = lines.flat()
  m.headers = {}
  for (const [n, v] of lines) m.headers[n.toLowerCase()] = v
  return m
}

module.exports = { ORIGINS, request }
