// Option sets for the hono/cors vs corsgate comparison, and the requests sent to each.
// Runtime-neutral data.
export const HONO_CASES = [
  { name: 'default (origin "*")', options: {} },
  { name: 'one origin', options: { origin: 'https://app.example.com' } },
  {
    name: 'origins + credentials + expose + maxAge',
    options: {
      origin: ['https://app.example.com', 'https://admin.example.com'],
      credentials: true,
      exposeHeaders: ['X-Request-Id'],
      maxAge: 600,
    },
  },
  {
    name: 'allowMethods + allowHeaders',
    options: { origin: ['https://app.example.com'], allowMethods: ['GET', 'POST', 'PUT'], allowHeaders: ['Content-Type', 'X-Api-Key'] },
  },
]

const O = 'https://app.example.com'
const EVIL = 'https://evil.example.net'
const pf = (origin, method, headers) => {
  const h = [['Origin', origin], ['Access-Control-Request-Method', method]]
  if (headers) h.push(['Access-Control-Request-Headers', headers])
  return { method: 'OPTIONS', headers: h }
}

/** Requests: `{ name, method, headers, credentials }` (credentials: the page's fetch mode). */
export const HONO_REQUESTS = [
  { name: 'no Origin', method: 'GET', headers: [] },
  { name: 'GET, allowed origin', method: 'GET', headers: [['Origin', O]] },
  { name: 'GET, other origin', method: 'GET', headers: [['Origin', EVIL]] },
  { name: 'preflight PUT, allowed origin', ...pf(O, 'PUT') },
  { name: 'preflight DELETE, allowed origin', ...pf(O, 'DELETE') },
  { name: 'preflight PATCH + x-api-key', ...pf(O, 'PATCH', 'x-api-key') },
  { name: 'preflight PUT + content-type,x-api-key', ...pf(O, 'PUT', 'content-type,x-api-key') },
  { name: 'preflight PUT + authorization', ...pf(O, 'PUT', 'authorization') },
  { name: 'preflight PUT + x-other', ...pf(O, 'PUT', 'x-other') },
  { name: 'preflight PUT, other origin', ...pf(EVIL, 'PUT') },
  { name: 'OPTIONS without Access-Control-Request-Method', method: 'OPTIONS', headers: [['Origin', O]] },
  { name: 'preflight TRACE (forbidden method)', ...pf(O, 'TRACE') },
]

/**
 * The kinds of difference the comparison expects (README "Hono"), each a predicate over
 * a row `{ request, hono, corsgate }` (each side `{ allowed, status, app }`). Every
 * difference seen must match one; every kind must be seen.
 */
export const EXPECTED_DIFFERENCES = [
  {
    name: 'denied preflight: 403 instead of 204',
    why: 'stricter and right: hono/cors answers every preflight 204 and leaves the refusal to the browser; corsgate refuses with 403 (same browser verdict: blocked)',
    matches: (d) => !d.hono.allowed && !d.corsgate.allowed && d.hono.status === 204 && d.corsgate.status === 403 && !d.hono.app && !d.corsgate.app,
  },
  {
    name: 'OPTIONS without Access-Control-Request-Method reaches the app',
    why: 'right: Fetch sends a preflight with Access-Control-Request-Method; any other OPTIONS is an actual request, which corsgate passes to the application (hono/cors answers it 204 itself)',
    matches: (d) => d.request.method === 'OPTIONS' && !d.request.headers.some(([n]) => /^access-control-request-method$/i.test(n)) && d.hono.status === 204 && d.corsgate.app && d.hono.allowed === d.corsgate.allowed,
  },
]
