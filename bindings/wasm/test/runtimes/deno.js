// Serves support/server.js with Deno.serve on 127.0.0.1, an ephemeral port; prints
// `{"port": N}` once listening.
import { makeHandler } from '../support/server.js'
import { loadVectors } from '../support/vectors.js'

const { vectors } = loadVectors()
Deno.serve({ hostname: '127.0.0.1', port: 0, onListen: ({ port }) => console.log(JSON.stringify({ port })) }, makeHandler(vectors))
