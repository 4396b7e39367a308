// The Worker run by workerd: support/server.js over the vectors the driver wrote to
// the `vectors.json` module (the same list, in the same order).
import vectors from 'vectors.json'
import { makeHandler } from '../support/server.js'

const handle = makeHandler(vectors)
export default { fetch: (request) => handle(request) }
