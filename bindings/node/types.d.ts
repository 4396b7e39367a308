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

