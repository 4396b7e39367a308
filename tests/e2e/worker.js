// The workerd runtime of the e2e suite: a Cloudflare Worker with @corsgate/wasm/fetch,
// /api/* under policy.json and /star/* under policy-star.json, serving the same
// application as node-api.js and app.py. Bundled by esbuild (export condition
// `workerd`: the .wasm is a module import) and served by workerd on 127.0.0.1:27204
// (scripts/test-e2e.sh writes the workerd config).
import { cors } from '@corsgate/wasm/fetch'
import apiPolicy from './policy.json'
import starPolicy from './policy-star.json'

const NAME = 'workerd'
const api = cors(apiPolicy)
const star = cors(starPolicy)

/** The application (see node-api.js for the Express twin). */
async function app(request) {
  const url = new URL(request.url)
  const h = request.headers
  if (url.pathname === '/api/echo' || url.pathname === '/star/echo') {
    const body = request.method === 'GET' || request.method === 'HEAD' ? '' : await request.text()
    return new Response(
      JSON.stringify({
        runtime: NAME,
        method: request.method,
        path: url.pathname + url.search,
        cookie: h.get('cookie'),
        authorization: h.get('authorization'),
        x_request_id: h.get('x-request-id'),
        x_custom: h.get('x-custom'),
        content_type: h.get('content-type'),
        body_length: body.length,
      }),
      { headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'X-Request-Id': 'rid-e2e', 'X-Secret': 'hidden' } },
    )
  }
  if (url.pathname === '/api/set-cookie') {
    return new Response(JSON.stringify({ set: true }), {
      headers: { 'Content-Type': 'application/json', 'Cache-Control': 'no-store', 'Set-Cookie': `sid=${NAME}-session; Path=/; HttpOnly; SameSite=Lax` },
    })
  }
  if (url.pathname === '/health') return new Response('ok')
  return new Response('not found', { status: 404 })
}

export default {
  fetch(request) {
    const path = new URL(request.url).pathname
    if (path.startsWith('/api/')) return api(request, app)
    if (path.startsWith('/star/')) return star(request, app)
    return app(request)
  },
}
