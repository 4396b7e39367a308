// Loads corsgate.wasm from this package's directory, synchronously (Node, Deno and Bun
// all provide node:fs; compiling ~1.7 MB synchronously is allowed outside browsers).
import { readFileSync } from 'node:fs'

export const wasmModule = new WebAssembly.Module(readFileSync(new URL('../corsgate.wasm', import.meta.url)))
