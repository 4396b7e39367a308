// Types of @corsgate/wasm/fetch.
import type { Policy, PolicyConfig, PolicySet, PolicySetConfig } from './index.js'

/**
 * A Policy or PolicySet, a policy (or set) object, its JSON text or its bytes (a
 * document with a top-level `policies` key is a set).
 */
export type PolicyInput = Policy | PolicySet | PolicyConfig | PolicySetConfig | string | Uint8Array

/**
 * The middleware: answers preflights and requests refused by cross-origin protection
 * itself (`next` is not called), applies the core's response rule to `next`'s Response.
 */
export interface CorsMiddleware {
  (request: Request, next: (request: Request) => Promise<Response>): Promise<Response>
  /** Swaps the policy (compiled first: an invalid one throws and the old one stays). */
  setPolicy(policy: PolicyInput): void
  /** The current policy (or policy set). */
  policy(): Policy | PolicySet
}

/** `cors(policy)` → `(request, next) => Promise<Response>`. */
export declare function cors(policy: PolicyInput): CorsMiddleware

/** Wraps a fetch handler (Deno.serve, Bun.serve's `fetch`, a Worker's `fetch`); extra arguments pass through. */
export declare function withCors<A extends unknown[]>(
  policy: PolicyInput,
  handler: (request: Request, ...rest: A) => Response | Promise<Response>,
): ((request: Request, ...rest: A) => Promise<Response>) & { setPolicy(policy: PolicyInput): void }

/** A Policy or PolicySet from any accepted input (throws like `new Policy`). */
export declare function toPolicy(input: PolicyInput): Policy | PolicySet
