import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Policy, PolicyConfig } from './index'

/** A policy: a compiled `Policy`, a policy object, or its JSON text. */
export type PolicyInput = Policy | PolicyConfig | string

export interface WithCorsOptions {
  /** Hand preflights to the handler (with their CORS headers) instead of answering them. */
  preflightContinue?: boolean
}

/** A request handler with a swappable policy (hot reload). */
export interface CorsgateHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse> {
  (req: Req, res: Res): unknown
  /** The policy in force. */
  readonly policy: Policy
  /** Compiles `policy` and swaps it in; throws (keeping the old one) when invalid. */
  setPolicy(policy: PolicyInput): Policy
}

/**
 * Wraps a node:http request handler: preflights are answered (the handler is not
 * called), other requests get their CORS headers, `Vary` merged.
 */
export declare function withCors<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse>(
  policy: PolicyInput,
  handler: (req: Req, res: Res) => unknown,
  options?: WithCorsOptions,
): CorsgateHandler<Req, Res>

/** Sets the CORS headers on `res`; true when a preflight was answered (stop there). */
export declare function applyCors(policy: Policy, req: IncomingMessage, res: ServerResponse): boolean
