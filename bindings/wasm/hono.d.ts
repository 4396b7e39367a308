// Types of @corsgate/wasm/hono.
import type { MiddlewareHandler } from 'hono'
import type { PolicyConfig } from './index.js'
import type { PolicyInput } from './fetch.js'

/** The `hono/cors` options corsgate honours (a function for `origin`/`allowMethods` is refused). */
export interface HonoCorsOptions {
  origin?: string | string[]
  allowMethods?: string[]
  allowHeaders?: string[]
  exposeHeaders?: string[]
  maxAge?: number
  credentials?: boolean
}

/**
 * Hono middleware: `{ policy }` or `hono/cors` options. Unsupported or invalid options
 * throw at startup (`code` `ERR_CORSGATE_UNSUPPORTED_OPTION`, or the core's code).
 */
export declare function cors(options?: HonoCorsOptions | { policy: PolicyInput }): MiddlewareHandler

/** The policy equivalent to `hono/cors` options (throws for options it cannot honour). */
export declare function policyFromHonoOptions(options?: HonoCorsOptions): PolicyConfig
