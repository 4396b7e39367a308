#!/usr/bin/env node
// The `corsgate` command of the npm package: the Rust CLI, run in this process. Same
// commands, output and exit codes as the binary built with cargo (`corsgate --help`).
'use strict'

// The Rust side writes to file descriptors 1 and 2 with blocking writes; a pipe that
// node (or a parent such as npx) made non-blocking would make a large output fail.
for (const stream of [process.stdout, process.stderr]) {
  if (stream._handle && typeof stream._handle.setBlocking === 'function') stream._handle.setBlocking(true)
}
process.exitCode = require('./binding.js').runCli(process.argv.slice(2))
