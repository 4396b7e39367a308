#!/usr/bin/env node
// Rewrites the loader that `napi build` generates (index.js) for corsgate's npm layout.
// Run after every `napi build` (package.json "build", scripts/test-node.sh,
// scripts/dist.sh); the committed index.js is the patched file and the drift check
// compares against a patched fresh build. Two changes, each asserted to apply:
// 1. platform packages are `@corsgate/<platform>` (e.g. @corsgate/linux-x64-gnu), not
//    napi-rs's default `corsgate-<platform>`;
// 2. when no binary loads, the error says which platform was looked for, which ones
//    are published and what to do, instead of napi-rs's hint about an npm bug.
'use strict'
const fs = require('node:fs')
const path = require('node:path')

const file = path.resolve(process.argv[2] || path.join(__dirname, '..', 'index.js'))
let src = fs.readFileSync(file, 'utf8')

const before = src
src = src.replace(/require\('corsgate-([a-z0-9-]+)(\/package\.json)?'\)/g, "require('@corsgate/$1$2')")
const renamed = (src.match(/require\('@corsgate\/linux-(x64|arm64)-(gnu|musl)'\)/g) || []).length
if (src !== before && renamed !== 4) {
  throw new Error(`patch-loader: expected the 4 linux x64/arm64 gnu/musl packages, renamed ${renamed}`)
}

const hint = /`Cannot find native binding\. ` \+\s*`npm has a bug related to optional dependencies[^`]*` \+\s*'Please try `npm i` again after removing both package-lock\.json and node_modules directory\.',/
const clear = `\`corsgate: no native binary loaded for \${process.platform}-\${process.arch}\` +
        \`\${process.platform === 'linux' ? (isMusl() ? '-musl' : '-gnu') : ''} (Node \${process.version}). \` +
        'Prebuilt binaries exist for linux-x64-gnu, linux-arm64-gnu, linux-x64-musl and linux-arm64-musl, ' +
        'as the optional dependencies @corsgate/<platform> of the corsgate package. ' +
        'If this platform is one of them, its package was not installed: optional dependencies were omitted ' +
        '(--omit=optional, --no-optional) or node_modules was installed on another platform; install it ' +
        'on this machine (npm install @corsgate/<platform>). Otherwise build the addon from source with a Rust ' +
        'toolchain (npx napi build --platform --release in the package directory). What was tried: error.cause.',`
if (hint.test(src)) {
  src = src.replace(hint, clear)
} else if (!src.includes('corsgate: no native binary loaded for')) {
  throw new Error('patch-loader: the napi-rs load-failure message was not found: update tools/patch-loader.js')
}
fs.writeFileSync(file, src)
