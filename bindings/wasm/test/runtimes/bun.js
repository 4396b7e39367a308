// Serves support/server.js with Bun.serve on 127.0.0.1, an ephemeral port; prints
// `{"port": N}` once listening.
import { makeHandler } from '../support/server.js'
import { loadVectors } from '../support/vectors.js'

const { vectors } = loadVectors()
const server = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: makeHandler(vectors) })
console.log(JSON.stringify({ port: server.port }))
