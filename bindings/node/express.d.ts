import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Policy, PolicyConfig, PolicySet } from './index'
import type { ObserveOptions, PolicyInput } from './http'

/**
 * `app.use(cors(options))`: a drop-in for the `cors` package backed by corsgate.
 * Unsafe or unknown options throw `ERR_CORSGATE_UNSUPPORTED_OPTION`; invalid
 * policies throw the core's config error (`code`, `errors`); from `cors` options its
 * lines name the options written (`allowedHeaders[1]`, not `request_headers[1]`) and
 * `options` lists the option behind each of `errors` (null: the core's words kept).
 */
declare function cors(options?: cors.CorsgateOptions): cors.CorsgateMiddleware

declare namespace cors {
  /** The `cors` package's options that corsgate accepts (others are refused). */
  export interface CorsOptions extends ObserveOptions {
    /**
     * `'*'` (default), a string (a corsgate origin pattern), an anchored RegExp
     * (`/^https:\/\/[a-z]+\.example\.com$/`, no flags), an array of them, `true` (any
     * origin, answered `*`; refused with credentials) or `false` (CORS off).
     */
    origin?: boolean | string | RegExp | Array<string | RegExp> | OriginCallback
    /** Default `'GET,HEAD,PUT,PATCH,POST,DELETE'`. */
    methods?: string | string[]
    /** Default: the requested names echoed, `Authorization` included (`['*', 'authorization']`). */
    allowedHeaders?: string | string[]
    /** Alias of `allowedHeaders`. */
    headers?: string | string[]
    exposedHeaders?: string | string[]
    credentials?: boolean
    /** Seconds (at most 86400). */
    maxAge?: number | string
    /** Status of an allowed preflight (200..=299, default 204). */
    optionsSuccessStatus?: number
    /** Hand preflights on to the next handler (with their headers) instead of answering them. */
    preflightContinue?: boolean
    /** corsgate's own: the cache of an `origin` function's answers (default 1000 origins, 60 s). */
    originCache?: { max?: number; ttlMs?: number }
  }

  /**
   * `origin` as a function (origins from a database): consulted only for origins the
   * compiled policy denies; `cb(null, true)` allows (the core then decides with that one
   * origin allowed), `false` denies; a Promise of a boolean works too. Answers are cached.
   */
  export type OriginCallback = (
    origin: string,
    cb: (err: Error | null, allow?: boolean) => void,
  ) => void | Promise<boolean>

  /** A corsgate policy with the preflight switch. */
  export interface PolicyOptions extends ObserveOptions {
    policy: PolicyInput
    preflightContinue?: boolean
  }

  export type CorsgateOptions = CorsOptions | PolicyOptions | PolicyInput

  /** A connect-style middleware with a swappable policy (hot reload). */
  export interface CorsgateMiddleware {
    (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void): void
    /** The policy in force; `null` when built with `origin: false`. */
    readonly policy: Policy | PolicySet | null
    /** Compiles `policy` and swaps it in; throws (keeping the old one) when invalid. */
    setPolicy(policy: PolicyInput): Policy | PolicySet
  }

  /** The translation of `cors` options into a policy object (what `cors(options)` compiles). */
  export function fromCorsOptions(options?: CorsOptions): {
    config: PolicyConfig | null
    preflightContinue: boolean
    disabled: boolean
  }
  export { cors, cors as default }
}

export = cors
