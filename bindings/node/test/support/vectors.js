'use strict'
// Loads the shared conformance vectors (../shared/conformance/vectors.jsonl beside the
// repository, or $CORSGATE_VECTORS).

const fs = require('node:fs')
const path = require('node:path')

const REPO = path.resolve(__dirname, '..', '..', '..', '..')
const SHARED = path.join(process.env.CORSGATE_SHARED || path.join(REPO, '..', 'shared'), 'conformance')
const FILE = process.env.CORSGATE_VECTORS || path.join(SHARED, 'vectors.jsonl')

/** The vectors of shared/conformance/`name`. */
function loadFile(name) {
  return parse(fs.readFileSync(path.join(SHARED, name), 'utf8'))
}

/** The shared v1 vectors. */
function loadVectors() {
  return parse(fs.readFileSync(FILE, 'utf8'))
}

function parse(text) {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l))
}

/**
 * Whether HTTP/1.1 delivers the vector's header values unchanged: a server's parser
 * strips leading and trailing whitespace from field values (RFC 9110 §5.5), so a
 * vector about such whitespace cannot be sent over the wire as written.
 */
function wireSafe(v) {
  return v.request.headers.every(([, val]) => val === val.replace(/^[ \t]+|[ \t]+$/g, ''))
}

module.exports = { loadVectors, loadFile, wireSafe, FILE }
