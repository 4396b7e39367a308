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
