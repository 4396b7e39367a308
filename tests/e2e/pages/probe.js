// Runs one case's fetch() in the page (or in a sandboxed iframe: Origin: null) and
// reports what the script could read. Loaded by page.html and inlined into the iframe.
'use strict'

function bodyFor(kind) {
  switch (kind) {
    case undefined: case null: return undefined
    case 'json': return JSON.stringify({ hello: 'corsgate' })    // with an explicit Content-Type
    case 'text': return 'hello corsgate'                           // text/plain;charset=UTF-8
    case 'form': return new URLSearchParams({ hello: 'corsgate' }) // application/x-www-form-urlencoded
    case 'multipart': { const f = new FormData(); f.append('hello', 'corsgate'); return f }
    default: throw new Error('unknown body kind ' + kind)
  }
}

async function probe(spec) {
  const out = { origin: self.origin, outcome: null }
  try {
    if (spec.setCookie) {
      const r0 = await fetch(spec.api + '/api/set-cookie?case=' + encodeURIComponent(spec.id),
        { method: 'POST', credentials: 'include', cache: 'no-store' })
      out.setCookieStatus = r0.status
    }
  } catch (e) {
    out.outcome = 'setup_failed'
    out.error = String(e)
    return out
  }
  const headers = Object.assign({}, spec.headers || {})
  if (spec.body === 'json') headers['Content-Type'] = 'application/json'
  const init = {
    method: spec.method,
    headers,
    credentials: spec.credentials || 'same-origin',
    mode: 'cors',
    cache: 'no-store',
  }
  const body = bodyFor(spec.body)
  if (body !== undefined) init.body = body
  try {
    const r = await fetch(spec.url, init)
    out.outcome = 'read'
    out.status = r.status
    out.requestId = r.headers.get('x-request-id')
    out.secret = r.headers.get('x-secret')
    const text = await r.text()
    try { out.body = text ? JSON.parse(text) : null } catch { out.body = { unparsed: text.slice(0, 200) } }
  } catch (e) {
    out.outcome = 'blocked'
    out.error = String(e)
  }
  return out
}
