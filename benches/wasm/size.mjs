// Size of corsgate.wasm: raw and gzip -9, by section, and the code section by crate
// (function names from the `name` section of an unstripped build, if given).
// Run: bash scripts/bench-wasm.sh size
import { readFileSync } from 'node:fs'
import { gzipSync } from 'node:zlib'

const [file, unstripped] = process.argv.slice(2)
const bytes = readFileSync(file)
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`
console.log(`corsgate.wasm: ${bytes.length} bytes (${kb(bytes.length)}) raw, ${gzipSync(bytes, { level: 9 }).length} bytes (${kb(gzipSync(bytes, { level: 9 }).length)}) gzip -9`)

function leb(buf, at) {
  let n = 0
  let shift = 0
  for (;;) {
    const b = buf[at++]
    n += (b & 127) * 2 ** shift
    shift += 7
    if (b < 128) return [n, at]
  }
}

/** Sections: [{ id, name, start, end }]. */
function sections(buf) {
  const out = []
  let at = 8
  while (at < buf.length) {
    const id = buf[at++]
    let size
    ;[size, at] = leb(buf, at)
    let name = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'][id]
    if (id === 0) {
      const [len, p] = leb(buf, at)
      name = `custom:${buf.subarray(p, p + len).toString()}`
    }
    out.push({ id, name, start: at, end: at + size })
    at += size
  }
  return out
}

const secs = sections(bytes)
console.log('sections:', secs.map((s) => `${s.name} ${kb(s.end - s.start)}`).join(', '))

/** The crate of a legacy-mangled Rust symbol (`_ZN<len><segment>…`); impls by their type's crate. */
function crateOf(name) {
  if (name.startsWith('cg_')) return 'corsgate_wasm'
  const m = /^_ZN(\d+)/.exec(name)
  if (!m) return name.replace(/[^a-z_].*$/, '') || 'other'
  let seg = name.slice(m[0].length, m[0].length + Number(m[1]))
  seg = seg.replace(/^_?\$LT\$/, '').replace(/^impl\$u20\$/, '')
  return /^[A-Za-z_][A-Za-z0-9_]*/.exec(seg)?.[0] ?? 'other'
}

if (unstripped) {
  // Attribute code bytes to crates by function name (the `name` section).
  const ub = readFileSync(unstripped)
  const us = sections(ub)
  const imports = 0
  const code = us.find((s) => s.name === 'code')
  const names = new Map()
  const ns = us.find((s) => s.name === 'custom:name')
  if (ns) {
    let [len, at] = leb(ub, ns.start)
    at += len
    while (at < ns.end) {
      const id = ub[at++]
      let size
      ;[size, at] = leb(ub, at)
      if (id === 1) {
        let [count, p] = leb(ub, at)
        for (let i = 0; i < count; i++) {
          let idx, l
          ;[idx, p] = leb(ub, p)
          ;[l, p] = leb(ub, p)
          names.set(idx, ub.subarray(p, p + l).toString())
          p += l
        }
      }
      at += size
    }
  }
  let [count, at] = leb(ub, code.start)
  const byCrate = new Map()
  for (let i = 0; i < count; i++) {
    let size
    ;[size, at] = leb(ub, at)
    const name = names.get(i + imports) ?? '?'
    const crate = crateOf(name)
    byCrate.set(crate, (byCrate.get(crate) ?? 0) + size)
    at += size
  }
  const data = us.find((s) => s.name === 'data')
  const total = code.end - code.start
  console.log(`code ${kb(total)} by crate (unstripped build, same code):`)
  for (const [c, n] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, 12)) {
    console.log(`  ${c.padEnd(22)} ${kb(n).padStart(10)}  ${((100 * n) / total).toFixed(1)}%`)
  }
  console.log(`data ${kb(data.end - data.start)} (constant tables and strings: Unicode/IDNA tables, the regex syntax tables, literals)`)
}
