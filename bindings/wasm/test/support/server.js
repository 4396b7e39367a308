// The test server every runtime serves (workerd, Deno.serve, Bun.serve): one Fetch
// handler.
// - `/v/<i>`: vector i's policy (compiled once) through `@corsgate/wasm/fetch`'s
//   `cors()`; the application answers `app` with the vector's `app_headers` and
//   `x-app-called: 1` (so the driver sees whether a preflight reached it).
// - `/cmp/<case>/hono/…` and `/cmp/<case>/corsgate/…`: a Hono app with `hono/cors`
//   and with corsgate's Hono middleware, the same options (support/hono-cases.js).
import { Hono } from 'hono'
import { cors as honoCors } from 'hono/cors'
import { cors } from '../../fetch.js'
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
    const path = new URL(request.url).pathname
    const m = /^\/v\/(\d+)$/.exec(path)
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
      return mw(request, app(v))
    }
    if (path.startsWith('/cmp/')) return hono.fetch(request)
    return new Response('not found', { status: 404 })
  }
}
