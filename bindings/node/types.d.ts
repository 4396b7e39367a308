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

/**
 * `[kind, allowed, status, name, value, name, value, …]`: `kind` is 0 (not CORS),
 * 1 (preflight: answer it with `status`) or 2 (actual); `status` is `null` unless a preflight.
 */
export type CompactDecision = [0 | 1 | 2, boolean, number | null, ...string[]]

/** Methods implemented as raw N-API callbacks (merged into the generated class below). */
export interface Policy {
  /**
   * Whether a request from `origin` (a serialized origin, as in the `Origin` header)
   * would be allowed to read an actual response. Non-strings are `false`.
   */
  isOriginAllowed(origin: string): boolean
  /**
   * The middleware's fastest form (internal): `joined` is `rawHeaders.join('\0')`,
   * `count` the array's length. Returns `"<kind><allowed><status>\0name\0value…"`, or
   * `null` when a string held a NUL byte (use `decideCompact` then).
   */
  _decide(method: string, joined: string, count: number): string | null
}

