// Types of @corsgate/wasm (the same shape as the Node addon `corsgate`).

/**
 * Request headers:
 * - a Fetch `Headers` object (`request.headers`);
 * - a plain object `{ name: string | string[] | undefined }` (Node's `req.headers`);
 * - a flat `[name, value, name, value, …]` array (Node's `req.rawHeaders`);
 * - `[name, value]` pairs, in request order (names may repeat).
 */
export type HeadersInput =
  | Headers
  | Record<string, string | string[] | undefined>
  | ReadonlyArray<string>
  | ReadonlyArray<readonly [string, string]>
  | null
  | undefined

/** `[kind, allowed, status, name, value, …]`: kind 0 not CORS, 1 preflight, 2 actual, 3 refused. */
export type CompactDecision = [0 | 1 | 2 | 3, boolean, number | null, ...string[]]

/**
 * The policy file (JSON, version 1), as accepted by `new Policy(config)`. Only
 * `origins` is required; unknown keys are errors.
 */
export interface PolicyConfig {
  /** Origin patterns: exact, `https://*.example.com`, ports, `~regex`, `*`, `null`. */
  origins: Array<string>
  /** Send `Access-Control-Allow-Credentials: true`. */
  credentials?: boolean
  /** Methods allowed beyond GET, HEAD and POST; `"*"` allows any. */
  methods?: Array<string>
  /** Request header names allowed in preflights; `"*"` allows any but `authorization`. */
  request_headers?: Array<string>
  /** Response header names scripts may read. */
  expose_headers?: Array<string>
  /** `Access-Control-Max-Age` in seconds (at most 86400); `null` omits it. */
  max_age?: number | null
  /** Status of an allowed preflight (200..=299, default 204). */
  preflight_status?: number
  /** Answer Private Network Access preflights. */
  private_network?: boolean
  /**
   * Refuse, with 403, unsafe requests and WebSocket handshakes a browser sent from an
   * origin the policy does not allow (the middleware answers; `next` is not called).
   */
  cross_origin_protection?: boolean
  /** Allow the `null` origin pattern. */
  dangerously_allow_null_origin?: boolean
  /** Allow plain `http://` origins (not loopback) with credentials. */
  dangerously_allow_insecure_origins?: boolean
  /** Allow wildcards over public suffixes with credentials. */
  dangerously_allow_public_suffix_wildcards?: boolean
  /** Debug mode (never in production): denied preflights carry `Corsgate-Debug-Reason`. */
  debug?: boolean
}

/** The answer to one request (the JSON line format of `corsgate eval --jsonl`). */
export interface Decision {
  kind: 'not_cors' | 'preflight' | 'actual' | 'refused'
  /** Whether the browser will let the page read the response (true for `not_cors`). */
  allowed: boolean
  /** The status to answer a preflight with, or 403 for a refusal; `null` for other kinds. */
  status: number | null
  /** The response headers to add, in order. */
  headers: Array<[string, string]>
  /** Why, in words (the core's text). */
  reason: string
  /** Why, as a stable snake_case code. */
  reasonCode: string
}

/** One configuration problem, as reported by the core. */
export interface Diagnostic {
  code: string
  severity: 'error' | 'warning'
  field: string | null
  index: number | null
  value: string | null
  message: string
  /** Where: `origins[2]`; in a set `policies.acme.origins[1]`, `routes[2].host`. */
  path: string
}

/** Thrown by `new Policy` for an invalid policy: the core's message and codes. */
export interface PolicyError extends Error {
  /** The first error's code, e.g. `invalid_wildcard`. */
  code: string
  errors: Array<Diagnostic>
  warnings: Array<Diagnostic>
}

/**
 * A compiled, immutable CORS policy, held in the WebAssembly module's memory. Compile
 * once, evaluate many times. Released when garbage-collected, or now with `free()`.
 */
export declare class Policy {
  /**
   * Compiles a policy object, its JSON text, or its bytes. Throws a `PolicyError`
   * (all errors at once) when invalid; a `TypeError` for other argument types.
   */
  constructor(config: PolicyConfig | string | Uint8Array | ArrayBuffer)
  static fromJson(text: string): Policy
  /** Decides one request. */
  evaluate(method: string, headers?: HeadersInput): Decision
  /** The decision as one JSON line, the format of `corsgate eval --jsonl`. */
  evaluateJson(method: string, headers?: HeadersInput): string
  /** The decision as one flat array (the Node addon's form). */
  decideCompact(method: string, headers?: HeadersInput): CompactDecision
  /** Whether a request from `origin` would be allowed to read a response. */
  isOriginAllowed(origin: string): boolean
  /** Warnings found while compiling. */
  readonly warnings: Array<Diagnostic>
  /** The policy as written, with every field present. */
  readonly config: Required<PolicyConfig>
  toJSON(): Required<PolicyConfig>
  /** Releases the compiled policy now; any later call throws. */
  free(): void
}

/**
 * A policy set file (DESIGN "Policy sets"): named policies, `defaults` merged under
 * each, and the routes that select a policy by the request's `Host` line and path.
 */
export interface PolicySetConfig {
  defaults?: Partial<PolicyConfig>
  policies: Record<string, Partial<PolicyConfig>>
  /** `host`: exact (optionally `:port`), `*.example.com` or `*`; `path_prefix` default `/`. */
  routes: Array<{ host: string; path_prefix?: string; policy: string }>
}

/** A decision of a policy set: which policy and route gave it (`null`: no route matched). */
export interface SetDecision extends Decision {
  /** The selected policy's name; `null` when no route was selected (`reasonCode` `no_policy`). */
  policy: string | null
  /** The index in `routes` of the selected route; `null` when none was. */
  route: number | null
}

/** One route of a set, as written (`path_prefix` is `/` when the file has none). */
export interface SetRoute {
  host: string
  path_prefix: string
  policy: string
}

/**
 * A compiled, immutable policy set, held in the WebAssembly module's memory. Released
 * when garbage-collected, or now with `free()`.
 */
export declare class PolicySet {
  /**
   * Compiles a set object, its JSON text, or its bytes. Throws a `PolicyError` with
   * every error at once, each `Diagnostic` named by its `path`
   * (`policies.acme.origins[1]`, `routes[2].host`).
   */
  constructor(config: PolicySetConfig | string | Uint8Array | ArrayBuffer)
  static fromJson(text: string): PolicySet
  /**
   * Decides one request: the route is selected by the `Host` line in `headers` and
   * `path` (the request path without the query string; default `/`).
   */
  evaluate(method: string, headers?: HeadersInput, path?: string): SetDecision
  /** The decision as one JSON line (`corsgate eval --jsonl` for a set). */
  evaluateJson(method: string, headers?: HeadersInput, path?: string): string
  /** The decision as one flat array. */
  decideCompact(method: string, headers?: HeadersInput, path?: string): CompactDecision
  /** Warnings of every policy, each named by its path. */
  readonly warnings: Array<Diagnostic>
  /** The policy names, in file order. */
  readonly policyNames: Array<string>
  /** The routes, in file order. */
  readonly routes: Array<SetRoute>
  /** Releases the compiled set now; any later call throws. */
  free(): void
}

/** Whether a document (object, JSON text or bytes) is a policy set (a top-level `policies` key). */
export declare function isPolicySet(config: unknown): boolean

/** The version of the corsgate core in this module. */
export declare function version(): string

/** The request header names the core reads. */
export declare function requestHeaderNames(): Array<string>

/**
 * The core's response rule (DESIGN "Applying a decision to a response"): the response
 * headers after `decision` (from `evaluate`) is applied to the application's response
 * headers. Every `Access-Control-*` header the application set is removed, the
 * decision's headers are added, `Vary` is merged. For a preflight, the decision's own
 * headers.
 */
export declare function applyDecision(
  decision: Pick<Decision, 'kind' | 'headers'>,
  appHeaders: HeadersInput,
): Array<[string, string]>
