import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Duplex } from 'node:stream'
import type { Decision, Diagnostic, Policy, PolicyConfig, PolicySet, PolicySetConfig, SetDecision } from './index'

/**
 * A policy: a compiled `Policy` or `PolicySet`, a policy (or policy set) object, or its
 * JSON text (a document with a top-level `policies` key is a set).
 */
export type PolicyInput = Policy | PolicySet | PolicyConfig | PolicySetConfig | string

/** What a middleware holds: a compiled policy or policy set. */
export type CompiledPolicy = Policy | PolicySet

/**
 * A live decision as `onDecision` sees it: with `shadow` when a shadow policy is set;
 * from a policy set, with the selected `policy` and `route` (null when none).
 */
export interface ObservedDecision extends Decision {
  /** The selected policy's name (policy sets only; null when no route was selected). */
  policy?: string | null
  /** The index of the selected route (policy sets only; null when none). */
  route?: number | null
  /** The shadow policy's decision for the same request (never applied). */
  shadow?: Decision | SetDecision
}

/** What `onWarning` receives: a policy's Diagnostic, or a report about a request. */
export type CorsgateWarning =
  | Diagnostic
  | { code: 'shadow_disagreement'; message: string; live: Decision | SetDecision; shadow: Decision | SetDecision }
  | { code: 'on_decision_failed'; message: string; error: unknown }

/** Seeing decisions: accepted by every middleware (`corsgate/http`, `/express`, `/fastify`). */
export interface ObserveOptions {
  /**
   * Called with every request's live decision (reason code and detail included), e.g.
   * to count them. Costs one more evaluation per request (the full decision object).
   */
  onDecision?: (decision: ObservedDecision, req: IncomingMessage) => void
  /**
   * Receives the policy's warnings (when the middleware first uses a policy), shadow
   * disagreements and `onDecision` failures. Without it they go to
   * `process.emitWarning` (type `CorsgateWarning`; codes `CORSGATE_POLICY_WARNING`,
   * `CORSGATE_SHADOW_DISAGREEMENT`, `CORSGATE_ON_DECISION_FAILED`).
   */
  onWarning?: (warning: CorsgateWarning) => void
  /** Evaluated beside the live policy, never applied; disagreements are reported. */
  shadowPolicy?: PolicyInput
}

export interface WithCorsOptions extends ObserveOptions {
  /** Hand preflights to the handler (with their CORS headers) instead of answering them. */
  preflightContinue?: boolean
}

/** A request handler with a swappable policy (hot reload). */
export interface CorsgateHandler<Req extends IncomingMessage = IncomingMessage, Res extends ServerResponse = ServerResponse> {
  (req: Req, res: Res): unknown
  /** The policy (or policy set) in force. */
  readonly policy: CompiledPolicy
  /** Compiles `policy` and swaps it in; throws (keeping the old one) when invalid. */
  setPolicy(policy: PolicyInput): CompiledPolicy
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

/** Sets the CORS headers on `res`; true when a preflight or a refusal was answered (stop there). */
export declare function applyCors(policy: CompiledPolicy, req: IncomingMessage, res: ServerResponse): boolean

/** What emits `upgrade` events: an `http.Server` or `https.Server`. */
export interface UpgradeEmitter {
  emit(event: string | symbol, ...args: any[]): boolean
}

/** The handle of `guardUpgrade`: the policy in force, hot reload, and removal. */
export interface UpgradeGuard {
  /** The policy (or policy set) in force. */
  readonly policy: CompiledPolicy
  /** Compiles `policy` and swaps it in; throws (keeping the old one) when invalid. */
  setPolicy(policy: PolicyInput): CompiledPolicy
  /** Stops guarding: the server's own `emit` is restored. */
  remove(): void
}

/**
 * Guards the WebSocket handshakes of `server` (e.g. the server a `ws` WebSocketServer is
 * attached to) with the policy's cross-origin protection: a refused handshake is
 * answered `HTTP/1.1 403` with `Vary: Origin` and its socket destroyed before any
 * `upgrade` listener sees it; other handshakes reach the listeners unchanged.
 */
export declare function guardUpgrade(server: UpgradeEmitter, policy: PolicyInput): UpgradeGuard

/**
 * For your own `upgrade` listener (`ws` with `noServer: true`): true when the handshake
 * was refused and answered (403, socket destroyed); false when it may be accepted.
 */
export declare function checkUpgrade(policy: CompiledPolicy, req: IncomingMessage, socket: Duplex): boolean
