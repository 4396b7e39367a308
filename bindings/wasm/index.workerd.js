// @corsgate/wasm for Cloudflare Workers (workerd): the .wasm is a module import, which
// the runtime compiles at deploy time (a WebAssembly.Module).
import { bind } from './lib/core.js'
import wasmModule from './corsgate.wasm'

export const { Policy, PolicySet, isPolicySet, version, requestHeaderNames, applyDecision, mergeLines } = bind(new WebAssembly.Instance(wasmModule, {}))
