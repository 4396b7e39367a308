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

/** The version of the corsgate core this addon was built with. */
export declare function version(): string
