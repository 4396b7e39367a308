'use strict'
// Config errors in the user's own words: a policy translated from a package's options
// (`cors`, `@fastify/cors`) is rejected by the core in policy-file terms (`methods[0]`,
// `request_headers[1]`); this module renames each error's location to the option the
// user wrote (`methods[0]`, `allowedHeaders[1]`, `origin[2]`). The errors themselves
// (codes, messages, the `errors` / `warnings` diagnostics) stay the core's; only the
// location prefix of each line changes, and `options` lists the option behind each
// error (null: the core's words were kept). Python's corsgate/_user_words.py does the
// same for Starlette, Django and Flask.

/**
 * One core diagnostic (error or warning) in the user's words: `{ text, option }`, its
 * `text` with the location prefix renamed by `name(field, index)` and the option behind
 * it (null, and the text unchanged, when `name` keeps the core's words).
 */
function diagnosticInUserWords(d, name) {
  const field = d.field ?? null
  const index = d.index ?? null
  const option = name(field, index)
  const core = (field ?? '') + (index === null ? '' : `[${index}]`)
  let text = d.text
  if (option !== null && core !== '' && text.startsWith(core)) text = option + text.slice(core.length)
  return { text, option }
}

/**
 * A config error like `error` whose lines name the user's options. `name(field, index)`
 * gives the option for a core location, or null to keep the core's words. Anything that
 * is not the core's config error (no `errors` list) is returned unchanged.
 */
function inUserWords(error, name) {
  if (error === null || typeof error !== 'object' || !Array.isArray(error.errors)) return error
  const lines = [String(error.message).split('\n')[0]]
  const options = []
  for (const d of error.errors) {
    const { text, option } = diagnosticInUserWords(d, name)
    lines.push('  ' + text)
    options.push(option)
  }
  const renamed = new Error(lines.join('\n'))
  renamed.code = error.code
  renamed.errors = error.errors
  renamed.warnings = error.warnings
  renamed.options = options
  return renamed
}

// Policy field → the `cors` / `@fastify/cors` option it is translated from
// (lib/cors-options.js `translate`).
const CORS_OPTION_OF = {
  origins: 'origin',
  methods: 'methods',
  request_headers: 'allowedHeaders',
  expose_headers: 'exposedHeaders',
  credentials: 'credentials',
  max_age: 'maxAge',
  preflight_status: 'optionsSuccessStatus',
}

/**
 * Names policy locations after the `cors` / `@fastify/cors` options `o`, for the
 * translation of lib/cors-options.js: list options keep their entries' order (a
 * comma-separated string counts its items), a single value (`origin: 'https://a.com'`)
 * has no index, and an option not written is `<option> (default)`.
 */
function corsNamer(o) {
  return (field, index) => {
    let option = CORS_OPTION_OF[field]
    if (option === undefined) return null
    // cors' `headers` is an alias of `allowedHeaders`.
    if (option === 'allowedHeaders' && (o.allowedHeaders ?? null) === null && (o.headers ?? null) !== null) {
      option = 'headers'
    }
    const value = o[option]
    if (value === undefined || value === null) return `${option} (default)`
    const listed = Array.isArray(value) || (typeof value === 'string' && option !== 'origin')
    return listed && index !== null ? `${option}[${index}]` : option
  }
}

module.exports = { inUserWords, diagnosticInUserWords, corsNamer }
