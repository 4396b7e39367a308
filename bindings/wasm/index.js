// @corsgate/wasm for Node, Deno and Bun: the module is read from the package.
import { bind } from './lib/core.js'
import { wasmModule } from './lib/load-node.js'

export const { Policy, PolicySet, isPolicySet, version, requestHeaderNames, applyDecision, mergeLines } = bind(new WebAssembly.Instance(wasmModule, {}))
