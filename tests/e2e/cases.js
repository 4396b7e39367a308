'use strict'
// The browser-level case table. Each case: the page origin the script runs on (or a
// sandboxed iframe: Origin: null), the fetch() it makes (method, headers, body kind,
// credentials mode, optionally a credentialed POST /api/set-cookie first), and what the
// script must be able to do: 'read' the response or see it 'blocked' (TypeError), plus
// what it can read (exposed / unexposed headers, the cookie the API saw).
//
// path 'api' is served under tests/e2e/policy.json (credentials, explicit lists);
// path 'star' under tests/e2e/policy-star.json (any origin, any method, any header,
// expose *, no credentials). The same two files configure every runtime.
//
// body: 'json' (Content-Type: application/json, so a preflight), 'text'
// (text/plain;charset=UTF-8), 'form' (application/x-www-form-urlencoded), 'multipart'
// (FormData) — the last three are CORS-safelisted.
// read.cookie: true = the API saw `sid=<runtime>-session`, false = it saw no cookie.

const A = 'http://127.0.0.1:27101'            // port range http://127.0.0.1:[27100-27109]
const L = 'http://localhost:27102'            // exact origin
const W = 'http://a.b.test.localhost:27103'   // wildcard http://*.test.localhost:27103, two labels
const W1 = 'http://x.test.localhost:27103'    // wildcard, one label
const WAPEX = 'http://test.localhost:27103'   // the wildcard's apex: never matched
const WX = 'http://xtest.localhost:27103'     // look-alike of the wildcard's suffix
const R = 'http://pr-42.preview.localhost:27104'  // regex ~^http://pr-[0-9]+\.preview\.localhost:27104$
const RBAD = 'http://pr-x.preview.localhost:27104'
const OUT = 'http://127.0.0.1:27110'          // outside the port range
const EVIL = 'http://evil.localhost:27102'    // not the exact origin localhost:27102
const LPORT = 'http://localhost:27101'        // the range is for 127.0.0.1 only
const NULL = 'null'                           // sandboxed iframe inside the A page

const PAGE_PORTS = [27101, 27102, 27103, 27104, 27110]

const exposed = { requestId: 'rid-e2e', secret: null }
const allExposed = { requestId: 'rid-e2e', secret: 'hidden' }

const cases = [
  // simple requests (no preflight)
  { id: 'simple-get', page: A, method: 'GET', expect: 'read', read: exposed },
  { id: 'simple-head', page: A, method: 'HEAD', expect: 'read', read: exposed },
  { id: 'simple-post-text', page: A, method: 'POST', body: 'text', expect: 'read', read: exposed },
  { id: 'simple-post-form', page: A, method: 'POST', body: 'form', expect: 'read' },
  { id: 'simple-post-multipart', page: A, method: 'POST', body: 'multipart', expect: 'read' },
  { id: 'simple-get-accept-language', page: A, method: 'GET', headers: { 'Accept-Language': 'fr' }, expect: 'read' },
  // preflights
  { id: 'preflight-json-post', page: A, method: 'POST', body: 'json', expect: 'read', read: exposed },
  { id: 'preflight-put', page: A, method: 'PUT', body: 'text', expect: 'read' },
  { id: 'preflight-delete', page: A, method: 'DELETE', expect: 'read' },
  { id: 'preflight-patch-unlisted', page: A, method: 'PATCH', body: 'text', expect: 'blocked' },
  { id: 'preflight-listed-header', page: A, method: 'GET', headers: { 'X-Request-Id': 'r1' }, expect: 'read' },
  { id: 'preflight-unlisted-header', page: A, method: 'GET', headers: { 'X-Custom': 'c1' }, expect: 'blocked' },
  { id: 'preflight-authorization-listed', page: A, method: 'GET', headers: { Authorization: 'Bearer t' }, expect: 'read' },
  { id: 'preflight-put-json-three-headers', page: A, method: 'PUT', body: 'json',
    headers: { Authorization: 'Bearer t', 'X-Request-Id': 'r2' }, expect: 'read', read: exposed },
  { id: 'preflight-listed-plus-unlisted', page: A, method: 'DELETE',
    headers: { 'X-Request-Id': 'r3', 'X-Custom': 'c2' }, expect: 'blocked' },
  { id: 'preflight-custom-method', page: A, method: 'PROPFIND', expect: 'blocked' },
  // exact origin, other host names
  { id: 'exact-get', page: L, method: 'GET', expect: 'read', read: exposed },
  { id: 'exact-put-json', page: L, method: 'PUT', body: 'json', expect: 'read' },
  { id: 'exact-wrong-port-host', page: LPORT, method: 'GET', expect: 'blocked' },
  { id: 'exact-subdomain-denied', page: EVIL, method: 'GET', expect: 'blocked' },
  // wildcard subdomains
  { id: 'wildcard-two-labels-get', page: W, method: 'GET', expect: 'read', read: exposed },
  { id: 'wildcard-one-label-put', page: W1, method: 'PUT', body: 'json', expect: 'read' },
  { id: 'wildcard-delete-auth', page: W, method: 'DELETE', headers: { Authorization: 'Bearer t' }, expect: 'read' },
  { id: 'wildcard-apex-denied', page: WAPEX, method: 'GET', expect: 'blocked' },
  { id: 'wildcard-lookalike-denied', page: WX, method: 'GET', expect: 'blocked' },
  { id: 'wildcard-apex-preflight-denied', page: WAPEX, method: 'PUT', expect: 'blocked' },
  // regex
  { id: 'regex-get', page: R, method: 'GET', expect: 'read' },
  { id: 'regex-delete', page: R, method: 'DELETE', expect: 'read' },
  { id: 'regex-mismatch-denied', page: RBAD, method: 'GET', expect: 'blocked' },
  // port patterns
  { id: 'port-out-of-range-get', page: OUT, method: 'GET', expect: 'blocked' },
  { id: 'port-out-of-range-put', page: OUT, method: 'PUT', expect: 'blocked' },
  { id: 'port-out-of-range-post-text', page: OUT, method: 'POST', body: 'text', expect: 'blocked' },
  // null origin (sandboxed iframe)
  { id: 'null-get', page: NULL, method: 'GET', expect: 'blocked' },
  { id: 'null-post-text', page: NULL, method: 'POST', body: 'text', expect: 'blocked' },
  { id: 'null-put', page: NULL, method: 'PUT', expect: 'blocked' },
  // credentials and cookies (the cookie is SameSite=Lax: 127.0.0.1 pages are same-site
  // with the 127.0.0.1 API, so it travels on credentialed requests; see README)
  { id: 'cred-get', page: A, method: 'GET', credentials: 'include', expect: 'read', read: exposed },
  { id: 'cred-cookie-include', page: A, method: 'GET', credentials: 'include', setCookie: true,
    expect: 'read', read: { cookie: true } },
  { id: 'cred-cookie-omit', page: A, method: 'GET', credentials: 'omit', setCookie: true,
    expect: 'read', read: { cookie: false } },
  { id: 'cred-cookie-same-origin-mode', page: A, method: 'GET', setCookie: true,
    expect: 'read', read: { cookie: false } },
  { id: 'cred-cookie-put-json', page: A, method: 'PUT', body: 'json', credentials: 'include', setCookie: true,
    expect: 'read', read: { cookie: true } },
  { id: 'cred-cross-site-page', page: L, method: 'GET', credentials: 'include', expect: 'read' },
  // localhost is another site than the 127.0.0.1 API: Chromium neither stores nor sends
  // the SameSite=Lax cookie, although CORS lets the script read both responses.
  { id: 'cred-cookie-cross-site-lax', page: L, method: 'GET', credentials: 'include', setCookie: true,
    expect: 'read', read: { cookie: false } },
  { id: 'cred-denied-origin', page: OUT, method: 'GET', credentials: 'include', expect: 'blocked' },
  { id: 'cred-patch-denied', page: A, method: 'PATCH', credentials: 'include', expect: 'blocked' },
  // the any-origin policy (policy-star.json)
  { id: 'star-get', path: 'star', page: A, method: 'GET', expect: 'read', read: allExposed },
  { id: 'star-patch', path: 'star', page: A, method: 'PATCH', body: 'text', expect: 'read' },
  { id: 'star-custom-header', path: 'star', page: A, method: 'GET', headers: { 'X-Custom': 'c3' }, expect: 'read' },
  { id: 'star-authorization-not-covered', path: 'star', page: A, method: 'GET',
    headers: { Authorization: 'Bearer t' }, expect: 'blocked' },
  { id: 'star-credentials-blocked', path: 'star', page: A, method: 'GET', credentials: 'include', expect: 'blocked' },
  { id: 'star-any-port', path: 'star', page: OUT, method: 'GET', expect: 'read', read: allExposed },
  { id: 'star-wildcard-host-delete', path: 'star', page: W, method: 'DELETE', expect: 'read' },
  { id: 'star-null-get', path: 'star', page: NULL, method: 'GET', expect: 'read' },
  { id: 'star-null-put-json-custom', path: 'star', page: NULL, method: 'PUT', body: 'json',
    headers: { 'X-Custom': 'c4' }, expect: 'read' },
]

module.exports = { cases, PAGE_PORTS, SANDBOX_HOST_PAGE: A }
