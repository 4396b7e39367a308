/* Hand-written types prepended to the generated index.d.ts (napi --dts-header-file). */

/**
 * Request headers, in any of the shapes Node hands out:
 * - `req.headers` (`IncomingHttpHeaders`): `{ name: string | string[] | undefined }`;
 * - `req.rawHeaders`: `[name, value, name, value, …]` (keeps repeated lines apart);
 * - `[name, value]` pairs, in request order (names may repeat).
 */
export type HeadersInput =
  | Record<string, string | string[] | undefined>
  | ReadonlyArray<string>
  | ReadonlyArray<readonly [string, string]>
  | null
  | undefined

/** Methods implemented as raw N-API callbacks (merged into the generated class below). */
export interface Policy {
  /**
   * Whether a request from `origin` (a serialized origin, as in the `Origin` header)
   * would be allowed to read an actual response. Non-strings are `false`.
   */
  isOriginAllowed(origin: string): boolean
}


/**
 * A policy set file (DESIGN "Policy sets"), as accepted by `new PolicySet(config)`:
 * named policies, `defaults` merged under each, and the routes that select a policy by
 * the request's `Host` line and path. Unknown keys are errors.
 */
export interface PolicySetConfig {
  /** Policy fields merged under every policy (a policy's own field wins, even `null`). */
  defaults?: Partial<PolicyConfig>
  /** The policies by name (each validated after `defaults` are merged). */
  policies: Record<string, Partial<PolicyConfig>>
  /**
   * `host`: an exact host (optionally `:port`), `*.example.com` (one or more labels) or
   * `*`; `path_prefix` (default `/`): a byte prefix of the request path. The most
   * specific host wins, then the longest prefix.
   */
  routes: Array<{ host: string; path_prefix?: string; policy: string }>
}

/**
 * Reads a policy file holding a policy or a policy set and compiles it: a `PolicySet`
 * when the document has a top-level `policies` key, else a `Policy` (read once; fs
 * errors as Node's, an invalid document as `new Policy` / `new PolicySet`).
 */
export declare function loadFile(path: string): Policy | PolicySet

/**
 * Which binding artifact the generated loader actually loaded: `'native'` for
 * a native addon, otherwise the `platformArchABI` of the WASI flavor. Every
 * flavor napi-rs can build is listed, because `NAPI_RS_NATIVE_LIBRARY_PATH`
 * can point the loader at a WASI artifact this package does not build itself.
 */
export declare const __napiBindingTarget: 'native' | 'wasm32-wasi' | 'wasm32-wasip1'

/**
 * A compiled, immutable CORS policy. Compile once, evaluate many times; to reload,
 * compile a new one and swap the reference.
 */
export declare class Policy {
  /**
   * Compiles a policy from a policy object, its JSON text, or a `Buffer` of JSON.
   *
   * Throws an `Error` with `code` (the first error's code) and `errors` /
   * `warnings` arrays when the policy is invalid; a `TypeError` for other types.
   */
  constructor(config: PolicyConfig | string | Buffer)
  /** Compiles a policy from JSON text. */
  static fromJson(text: string): Policy
  /**
   * Reads and compiles a policy file. A file that cannot be read throws an `Error`
   * with the system's code (`ENOENT`, `EACCES`, …); an invalid policy as `new Policy`.
   */
  static fromFile(path: string): Policy
  /**
   * Decides one request. `headers` is Node's `req.headers` object, a `req.rawHeaders`
   * array, or an array of `[name, value]` pairs (names may repeat).
   */
  evaluate(method: string, headers?: HeadersInput): Decision
  /**
   * Decides one request and returns the decision as one JSON line, exactly the
   * format of `corsgate eval --jsonl` (with `reason_code`).
   */
  evaluateJson(method: string, headers?: HeadersInput): string
  /** Warnings found while compiling (normalizations, risky but legal choices). */
  get warnings(): Array<Diagnostic>
  /** The policy as written, with every field present (defaults filled in). */
  get config(): Required<PolicyConfig>
  /** The policy as JSON text (every field present). */
  toJSON(): Required<PolicyConfig>
}

/**
 * A compiled, immutable policy set: named policies, each request answered by the
 * policy of the route its `Host` line and path select. Compile once, evaluate many
 * times; to reload, compile a new one and swap the reference.
 */
export declare class PolicySet {
  /**
   * Compiles a policy set from a set object (`defaults`, `policies`, `routes`), its
   * JSON text, or a `Buffer` of JSON.
   *
   * Throws an `Error` with `code` (the first error's code) and `errors` / `warnings`
   * arrays when the set is invalid, every error named by its `path`
   * (`policies.acme.origins[1]`, `routes[2].host`); a `TypeError` for other types.
   */
  constructor(config: PolicySetConfig | string | Buffer)
  /** Compiles a policy set from JSON text. */
  static fromJson(text: string): PolicySet
  /**
   * Reads and compiles a policy set file. A file that cannot be read throws an
   * `Error` with the system's code (`ENOENT`, …); an invalid set as `new PolicySet`.
   */
  static fromFile(path: string): PolicySet
  /**
   * Decides one request: the route is selected by the request's `Host` line (in
   * `headers`) and `path` (the request path without the query string; default
   * `/`), then the route's policy decides exactly as `Policy.evaluate` does.
   */
  evaluate(method: string, headers?: HeadersInput, path?: string): SetDecision
  /**
   * Decides one request and returns the decision as one JSON line, exactly the
   * format of `corsgate eval --jsonl` for a set (with `policy` and `route`).
   */
  evaluateJson(method: string, headers?: HeadersInput, path?: string): string
  /** Warnings of every policy, each named by its path (`policies.acme.…`). */
  get warnings(): Array<Diagnostic>
  /** The policy names, in file order. */
  get policyNames(): Array<string>
  /** The routes, in file order (a decision's `route` is an index in this list). */
  get routes(): Array<SetRoute>
}

/** The answer to one request (the JSON line format of `corsgate eval --jsonl`). */
export interface Decision {
  /** How the request was classified. */
  kind: 'not_cors' | 'preflight' | 'actual' | 'refused'
  /** Whether the browser will let the page read the response (true for `not_cors`). */
  allowed: boolean
  /**
   * The status to answer with when the decision answers the request itself: a
   * preflight's, or 403 for a request refused by cross-origin protection (kind
   * `refused`: do not call the application); `null` for other kinds.
   */
  status: number | null
  /** The response headers to add, in order, as `[name, value]` pairs. */
  headers: Array<[string, string]>
  /** Why, in words (the core's text). */
  reason: string
  /** Why, as a stable snake_case code (`origin_not_allowed` …). */
  reasonCode: string
  /**
   * The text behind the reason: the `origins` pattern that admitted the origin, the
   * method or the request header name refused; `""` for the other reasons.
   */
  reasonDetail: string
}

/** One configuration problem, as reported by the core (`corsgate::Diagnostic`). */
export interface Diagnostic {
  /** Stable snake_case code, e.g. `invalid_wildcard`. */
  code: string
  /** `"error"` or `"warning"`. */
  severity: 'error' | 'warning'
  /** The policy field concerned, or `null` for the whole document. */
  field: string | null
  /** The entry's position in a list field. */
  index: number | null
  /** The entry's text as written. */
  value: string | null
  /** One-line explanation (the core's message, unchanged). */
  message: string
  /**
   * Where the entry is: `origins[2]`, `max_age`; in a policy set the full path,
   * `policies.acme.origins[1]` or `routes[3].host`; `""` for a whole plain policy.
   */
  path: string
  /**
   * The whole line as the core writes it: `origins[2] "https://*example.com":
   * invalid_wildcard: …message…` (what nginx and Python's `str()` show).
   */
  text: string
}

/**
 * The policy file (JSON, version 1), as accepted by `new Policy(config)`.
 *
 * Only `origins` is required; unknown keys are errors. Field names are the policy
 * file's own (snake_case), so one file serves every runtime.
 */
export interface PolicyConfig {
  /**
   * Origin patterns: exact, `https://*.example.com`, ports `:*` / `:[8080,8443]` /
   * `:[3000-3999]`, `~regex` (full match), `*`, `null`.
   */
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
   * Refuse, with 403, unsafe requests and WebSocket handshakes that a browser sent
   * from an origin the policy does not allow (cross-site request forgery, WebSocket
   * hijacking); the middleware answers them and the application is not called.
   */
  cross_origin_protection?: boolean
  /** Allow the `null` origin pattern. */
  dangerously_allow_null_origin?: boolean
  /** Allow plain `http://` origins (not loopback) with credentials. */
  dangerously_allow_insecure_origins?: boolean
  /** Allow wildcards over public suffixes with credentials. */
  dangerously_allow_public_suffix_wildcards?: boolean
  /**
   * Debug mode (never in production): a denied preflight carries its reason code in
   * a `Corsgate-Debug-Reason` header.
   */
  debug?: boolean
}

/** The request header names the core reads (see the middleware's pre-filter). */
export declare function requestHeaderNames(): Array<string>

/**
 * The answer to one request of a policy set: a `Decision` plus which policy and route
 * gave it (the JSON line of `corsgate eval --jsonl` for a set).
 */
export interface SetDecision {
  /** How the request was classified. */
  kind: 'not_cors' | 'preflight' | 'actual' | 'refused'
  /** Whether the browser will let the page read the response (true for `not_cors`). */
  allowed: boolean
  /**
   * The status to answer with when the decision answers the request itself; `null`
   * for other kinds.
   */
  status: number | null
  /** The response headers to add, in order, as `[name, value]` pairs. */
  headers: Array<[string, string]>
  /** Why, in words (the core's text). */
  reason: string
  /** Why, as a stable snake_case code; `no_policy` when no route was selected. */
  reasonCode: string
  /** The text behind the reason (see `Decision`). */
  reasonDetail: string
  /**
   * The name of the selected policy; `null` when no route was selected (then the
   * request is `not_cors`, allowed, with `Vary: Origin`).
   */
  policy: string | null
  /** The index in `routes` of the selected route; `null` when none was. */
  route: number | null
}

/** One route of a set, as written (`path_prefix` is `/` when the file has none). */
export interface SetRoute {
  /** The route's host as written: exact (optionally `:port`), `*.example.com` or `*`. */
  host: string
  /** The path prefix the request path must start with (byte for byte). */
  path_prefix: string
  /** The name of the route's policy. */
  policy: string
}

/** The version of the corsgate core this addon was built with. */
export declare function version(): string
