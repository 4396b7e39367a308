// The test server every runtime serves (workerd, Deno.serve, Bun.serve): one Fetch
// handler.
// - `/v/<i>`: vector i's policy (compiled once) through `@corsgate/wasm/fetch`'s
//   `cors()`; the application answers `app` with the vector's `app_headers` and
//   `x-app-called: 1` (so the driver sees whether a preflight reached it);
// - any path with an `X-Corsgate-Vector: <i>` line: the same for a policy-set vector,
//   sent with its own `Host` line to its own path (the set selects by both); the
//   response names the selected policy and route in `x-corsgate-selected`.
// - `/cmp/<case>/hono/…` and `/cmp/<case>/corsgate/…`: a Hono app with `hono/cors`
//   and with corsgate's Hono middleware, the same options (support/hono-cases.js).
import { Hono } from 'hono'
import { cors as honoCors } from 'hono/cors'
import { cors, decide } from '../../fetch.js'
import { cors as corsgateHono } from '../../hono.js'
import { HONO_CASES } from './hono-cases.js'

function app(v) {
  return async () => {
    const headers = new Headers(v.request.app_headers ?? [])
    headers.set('x-app-called', '1')
    return new Response('app', { status: 200, headers })
  }
}

function honoApp() {
  const h = new Hono()
  HONO_CASES.forEach((c, i) => {
    h.use(`/cmp/${i}/hono/*`, honoCors(c.options))
    h.use(`/cmp/${i}/corsgate/*`, corsgateHono(c.options))
  })
  h.all('/cmp/*', (c) => {
    c.header('x-app-called', '1')
    return c.text('app')
  })
  return h
}

/** The Fetch handler for `vectors` (the runnable ones, by index). */
export function makeHandler(vectors) {
  const mws = new Map()
  const hono = honoApp()
  return async function handle(request) {
    const named = request.headers.get('x-corsgate-vector')
    // A set vector is named by its line (Bun's URL of a request without Host is relative).
    const path = named !== null ? null : new URL(request.url).pathname
    const m = named !== null ? [null, named] : /^\/v\/(\d+)$/.exec(path)
    if (m) {
      const i = Number(m[1])
      const v = vectors[i]
      if (!v) return new Response('no such vector', { status: 404 })
      let mw = mws.get(i)
      if (!mw) {
        try {
          mw = cors(v.policy)
        } catch (e) {
          return Response.json({ config_error: true, code: e.code, message: e.message }, { status: 599 })
        }
        mws.set(i, mw)
      }
      if (named === null) return mw(request, app(v))
      // A set: what it selected, from the same decision the middleware applies.
      const d = decide(mw.policy(), request)
      const res = await mw(request, app(v))
      const out = new Response(res.body, res)
      out.headers.set('x-corsgate-selected', JSON.stringify({ policy: d.policy, route: d.route }))
      return out
    }
    if (path.startsWith('/cmp/')) return hono.fetch(request)
    return new Response('not found', { status: 404 })
  }
}
