import type { FastifyPluginCallback } from 'fastify'
import type { Policy, PolicySet } from './index'
import type { PolicyInput } from './http'
import type { CorsgateOptions } from './express'

/** `fastify.corsgate`: the policy in force and the hot-reload switch. */
interface CorsgateFastifyHandle {
  readonly policy: Policy | PolicySet | null
  setPolicy(policy: PolicyInput): Policy | PolicySet
}

declare module 'fastify' {
  interface FastifyInstance {
    corsgate: CorsgateFastifyHandle
  }
}

/** `@fastify/cors` 11's options (defaults: methods GET, HEAD, POST; requested headers echoed). */
interface FastifyCorsOptions extends Omit<import('./express').CorsOptions, 'headers'> {
  /** `preflight: false` hands preflights to the routes. */
  preflight?: boolean
  /** Accepted; corsgate registers no OPTIONS route (a non-preflight OPTIONS reaches the routes). */
  strictPreflight?: boolean
  /** Accepted; corsgate registers no OPTIONS route to hide. */
  hideOptionsRoute?: boolean
  /** `Cache-Control` of preflight answers: an integer is `max-age=N`, a string as given. */
  cacheControl?: number | string
  /** The hook that answers (default `onRequest`). */
  hook?: 'onRequest' | 'preParsing' | 'preValidation' | 'preHandler'
  logLevel?: string
}

/** `fastify.register(corsgate, options)`: a corsgate policy, or `@fastify/cors` 11's options. */
declare const corsgate: FastifyPluginCallback<Exclude<CorsgateOptions, string | Policy | PolicySet> | FastifyCorsOptions> & {
  corsgate: typeof corsgate
  default: typeof corsgate
}
declare namespace corsgate {
  export { CorsgateFastifyHandle, FastifyCorsOptions }
}
export = corsgate
