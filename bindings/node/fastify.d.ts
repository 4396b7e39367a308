import type { FastifyPluginCallback } from 'fastify'
import type { Policy } from './index'
import type { PolicyInput } from './http'
import type { CorsgateOptions } from './express'

/** `fastify.corsgate`: the policy in force and the hot-reload switch. */
interface CorsgateFastifyHandle {
  readonly policy: Policy | null
  setPolicy(policy: PolicyInput): Policy
}

declare module 'fastify' {
  interface FastifyInstance {
    corsgate: CorsgateFastifyHandle
  }
}

/** `fastify.register(corsgate, options)`: options as for `corsgate/express`. */
declare const corsgate: FastifyPluginCallback<Exclude<CorsgateOptions, string | Policy>> & {
  corsgate: typeof corsgate
  default: typeof corsgate
}
declare namespace corsgate {
  export { CorsgateFastifyHandle }
}
export = corsgate
