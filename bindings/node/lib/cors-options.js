'use strict'
const { corsNamer } = require('./user-words.js')
// The `cors` package's options → a corsgate policy object. Only translation: every
// value is validated by the core when the policy compiles. Options that cannot be
// mapped without changing what is allowed are refused with a clear error.

const KNOWN = new Set([
  'origin',
  'methods',
  'allowedHeaders',
  'headers',
  'exposedHeaders',
  'credentials',
  'maxAge',
  'optionsSuccessStatus',
  'preflightContinue',
  'originCache',
])

/** An option that cannot be honoured safely: `code` ERR_CORSGATE_UNSUPPORTED_OPTION. */
function unsupported(option, message) {
  const e = new Error(`corsgate: option "${option}": ${message}`)
  e.code = 'ERR_CORSGATE_UNSUPPORTED_OPTION'
  e.option = option
  return e
}

/** `"a, b"` or `["a", "b"]` → `["a", "b"]`; `undefined` stays undefined. */
function list(option, value) {
  if (value === undefined || value === null) return undefined
  if (typeof value === 'string') {
    return value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '')
  }
  if (Array.isArray(value)) return value
  throw unsupported(option, 'must be a comma-separated string or an array of strings')
}

/**
 * Finds a top-level `|` in a RegExp source (outside groups and classes): `^a|b$` is
 * `(^a)|(b$)`, anchored on one side only.
 */
function hasTopLevelAlternation(src) {
  let depth = 0
  let inClass = false
  for (let i = 0; i < src.length; i++) {
    const ch = src[i]
    if (ch === '\\') {
      i++
    } else if (inClass) {
      if (ch === ']') inClass = false
    } else if (ch === '[') {
      inClass = true
    } else if (ch === '(') {
      depth++
    } else if (ch === ')') {
      depth--
    } else if (ch === '|' && depth === 0) {
      return true
    }
  }
  return false
}

/** Whether the source ends with a `$` that is not escaped. */
function endsWithAnchor(src) {
  if (!src.endsWith('$')) return false
  let backslashes = 0
  for (let i = src.length - 2; i >= 0 && src[i] === '\\'; i--) backslashes++
  return backslashes % 2 === 0
}

/**
 * A RegExp → a corsgate `~` pattern (a full match over the serialized origin). cors
 * runs `re.test(origin)`, an unanchored search; the mapping is only made when the
 * RegExp is anchored at both ends, so both mean the same.
 */
function regexPattern(re) {
  const shown = String(re)
  if (re.flags !== '') {
    throw unsupported(
      'origin',
      `RegExp ${shown} has flags "${re.flags}": g and y make RegExp.test() stateful (it skips matches), i admits uppercase origins no browser sends, m and s change what ^, $ and . mean; write it without flags`,
    )
  }
  const src = re.source
  if (!src.startsWith('^') || !endsWithAnchor(src) || hasTopLevelAlternation(src)) {
    throw unsupported(
      'origin',
      `RegExp ${shown} is not anchored: cors tests it as a search, so /example\\.com$/ also admits https://evil-example.com; write /^https:\\/\\/(?:[a-z0-9-]+\\.)?example\\.com$/ (a top-level | needs a group: /^(?:a|b)$/)`,
    )
  }
  // JS escapes "/" in a RegExp source; the core's regex syntax needs no escape for it.
  return '~' + src.replace(/\\(\\)|\\\//g, (m, bs) => (bs ? m : '/'))
}

/** A pattern that matches no origin (the base list of an `origin: fn` policy). */
const NO_ORIGIN = '~[^\\s\\S]'

function originPatterns(origin, credentials) {
  if (origin === undefined || origin === '*') return ['*']
  if (origin === true) {
    if (credentials) {
      throw unsupported(
        'origin',
        'true reflects every origin; together with credentials any site could read credentialed responses. List the origins (strings, wildcards such as https://*.example.com, or anchored RegExps)',
      )
    }
    // Reflecting any origin without credentials is what "*" grants, answered statically.
    return ['*']
  }
  if (typeof origin === 'function') {
    // Every origin comes from the callback (lib/dynamic.js): the compiled list matches
    // none, so each origin is asked once per TTL and a "yes" is decided by the core.
    return [NO_ORIGIN]
  }
  const items = Array.isArray(origin) ? origin : [origin]
  return items.map((o) => {
    if (typeof o === 'string') return o
    if (o instanceof RegExp) return regexPattern(o)
    throw unsupported('origin', `entries must be strings or RegExps, found ${typeof o}`)
  })
}

function maxAgeValue(v) {
  if (typeof v === 'string' && /^[0-9]+$/.test(v)) return Number(v)
  return v // numbers and anything else: the core validates (invalid_type, max_age_too_large)
}

/**
 * Translates the `cors` package's options into `{ config, preflightContinue, disabled }`.
 * `config` is a corsgate policy object (validated when compiled); `disabled` is true for
 * `origin: false`, which turns CORS off (the middleware only calls `next()`).
 */
function fromCorsOptions(options) {
  return translate(checkOptions(options, KNOWN, 'cors(fn)'), CORS_DEFAULT_METHODS)
}

/**
 * `options` as an object whose keys are all in `known` (a function, for per-request
 * options, named `perRequest` in the error, is refused: use `origin` as a function).
 */
function checkOptions(options, known, perRequest) {
  if (typeof options === 'function') {
    throw unsupported(
      'options',
      `${perRequest} computes options per request; corsgate compiles a policy once. For origins that change (a database), pass origin: (origin, cb) => cb(null, allowed) (answers cached); otherwise compile a Policy and swap it with setPolicy()`,
    )
  }
  const o = options === undefined || options === null ? {} : options
  if (typeof o !== 'object') throw unsupported('options', 'must be an object')
  for (const k of Object.keys(o)) {
    if (!known.has(k)) {
      throw unsupported(k, `unknown (known: ${[...known].join(', ')}); it is refused rather than ignored`)
    }
  }
  return o
}

// cors' default methods GET,HEAD,PUT,PATCH,POST,DELETE: GET, HEAD and POST need no listing.
const CORS_DEFAULT_METHODS = ['PUT', 'PATCH', 'DELETE']
// cors and @fastify/cors echo the requested header names by default, Authorization
// included; "*" alone would exclude Authorization (Fetch), so it is listed too.
const ECHO_REQUESTED_HEADERS = ['*', 'authorization']

/**
 * The options both packages share → `{ config, preflightContinue, disabled,
 * originCallback, dynamicOptions, name }` (`originCallback`: the `origin` function, for
 * lib/dynamic.js; `name`: the option behind a policy location, for errors).
 */
function translate(o, defaultMethods) {
  if (o.credentials !== undefined && typeof o.credentials !== 'boolean') {
    throw unsupported('credentials', 'must be a boolean')
  }
  if (o.preflightContinue !== undefined && typeof o.preflightContinue !== 'boolean') {
    throw unsupported('preflightContinue', 'must be a boolean')
  }
  const credentials = o.credentials === true
  const preflightContinue = o.preflightContinue === true
  if (o.origin === false) return { config: null, preflightContinue, disabled: true }
  const config = { origins: originPatterns(o.origin, credentials), credentials }
  config.methods = list('methods', o.methods) ?? [...defaultMethods]
  config.request_headers = list('allowedHeaders', o.allowedHeaders ?? o.headers) ?? [...ECHO_REQUESTED_HEADERS]
  const expose = list('exposedHeaders', o.exposedHeaders)
  if (expose !== undefined) config.expose_headers = expose
  if (o.maxAge !== undefined && o.maxAge !== null) config.max_age = maxAgeValue(o.maxAge)
  if (o.optionsSuccessStatus !== undefined) config.preflight_status = o.optionsSuccessStatus
  const originCallback = typeof o.origin === 'function' ? o.origin : null
  // corsgate's own: the cache of the origin callback's answers ({ max, ttlMs }).
  const dynamicOptions = o.originCache ?? {}
  if (typeof dynamicOptions !== 'object') throw unsupported('originCache', 'must be { max, ttlMs }')
  // `name`: the option behind each policy location, for errors (lib/user-words.js).
  const name = corsNamer(o)
  return { config, preflightContinue, disabled: false, originCallback, dynamicOptions, name }
}

module.exports = { fromCorsOptions, translate, checkOptions, unsupported, regexPattern }
