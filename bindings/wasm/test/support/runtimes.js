// Starts the test server (support/server.js) in a real runtime and resolves
// `{ port, stop }`: workerd (the Worker bundled by esbuild with the `workerd` export
// condition, listening on a socket this process bound to an ephemeral port and passes as
// fd 3), `deno run` (Deno.serve, port 0) or `bun` (Bun.serve, port 0).
import { spawn, execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync, copyFileSync } from 'node:fs'
import net from 'node:net'
import { join } from 'node:path'
import { REPO, loadVectors } from './vectors.js'

const W = join(REPO, 'bindings', 'wasm')
const BIN = join(W, 'node_modules', '.bin')

/** Resolves when `child` prints `{"port": N}` on stdout. */
function portFrom(child, name) {
  return new Promise((resolve, reject) => {
    let out = ''
    let err = ''
    const t = setTimeout(() => reject(new Error(`${name}: no port after 30 s\n${err}`)), 30000)
    child.stderr.on('data', (d) => (err += d))
    child.stdout.on('data', (d) => {
      out += d
      const m = /\{"port":\s*(\d+)\}/.exec(out)
      if (m) {
        clearTimeout(t)
        resolve(Number(m[1]))
      }
    })
    child.on('exit', (code) => {
      clearTimeout(t)
      reject(new Error(`${name} exited (${code}) before listening:\n${err}`))
    })
  })
}

/** A listening TCP socket on 127.0.0.1:0 (its fd is handed to workerd). */
function boundSocket() {
  return new Promise((resolve, reject) => {
    const s = net.createServer()
    s.once('error', reject)
    s.listen({ host: '127.0.0.1', port: 0, exclusive: true }, () => resolve(s))
  })
}

/** Bundles the Worker and writes its modules into build/wasm-workerd. */
export function buildWorker() {
  const dir = join(REPO, 'build', 'wasm-workerd')
  mkdirSync(dir, { recursive: true })
  execFileSync(join(BIN, 'esbuild'), [
    join(W, 'test', 'runtimes', 'worker.js'), '--bundle', '--format=esm', '--platform=neutral',
    '--conditions=workerd,worker,browser', '--main-fields=module,main',
    '--external:*.wasm', '--external:vectors.json', '--log-level=warning',
    `--outfile=${join(dir, 'worker.bundle.js')}`,
  ], { stdio: 'inherit' })
  copyFileSync(join(W, 'corsgate.wasm'), join(dir, 'corsgate.wasm'))
  copyFileSync(join(W, 'test', 'runtimes', 'config.capnp'), join(dir, 'config.capnp'))
  writeFileSync(join(dir, 'vectors.json'), JSON.stringify(loadVectors().vectors))
  return dir
}

/** Starts `name` (workerd | deno | bun); resolves `{ port, stop }`. */
export async function start(name) {
  let child
  let port
  if (name === 'workerd') {
    const dir = buildWorker()
    const sock = await boundSocket()
    port = sock.address().port
    child = spawn(join(BIN, 'workerd'), ['serve', join(dir, 'config.capnp'), '--socket-fd', 'http=3'], {
      stdio: ['ignore', 'pipe', 'pipe', sock._handle.fd],
    })
    sock.close()
    await new Promise((r) => setTimeout(r, 200))
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    await waitHttp(port, () => child.exitCode !== null && new Error(`workerd exited (${child.exitCode}):\n${err}`))
  } else if (name === 'deno') {
    child = spawn(join(BIN, 'deno'), ['run', '--quiet', '--allow-read', '--allow-env', '--allow-net=127.0.0.1', join(W, 'test', 'runtimes', 'deno.js')], { stdio: ['ignore', 'pipe', 'pipe'] })
    port = await portFrom(child, name)
  } else if (name === 'bun') {
    child = spawn(join(BIN, 'bun'), [join(W, 'test', 'runtimes', 'bun.js')], { stdio: ['ignore', 'pipe', 'pipe'] })
    port = await portFrom(child, name)
  } else {
    throw new Error(`unknown runtime ${name}`)
  }
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve()
      child.once('exit', () => resolve())
      child.kill('SIGTERM')
    })
  return { port, stop }
}

/** Polls until 127.0.0.1:port answers HTTP (or `failed()` returns an error). */
async function waitHttp(port, failed) {
  for (let i = 0; i < 150; i++) {
    const e = failed()
    if (e) throw e
    try {
      const r = await fetch(`http://127.0.0.1:${port}/ready`)
      await r.arrayBuffer()
      return
    } catch {
      await new Promise((r) => setTimeout(r, 100))
    }
  }
  throw new Error(`nothing answers on port ${port} after 15 s`)
}
