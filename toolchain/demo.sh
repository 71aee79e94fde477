#!/usr/bin/env bash
# The newcomer's first command: set up everything and run the tool on a built-in example.
# Today the tool's main job that exists end to end is reading kernel-style objects, so the
# demo compiles a bundled example the way kbuild compiles a kernel TU
# (-ffunction-sections -fdata-sections, fentry) and inspects it. It grows with the tool.
set -euo pipefail
cd "$(dirname "$0")/.."

bash toolchain/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
gcc -O2 -c -ffunction-sections -fdata-sections -pg -mfentry -mrecord-mcount -fno-pic -mcmodel=kernel \
  testdata/elf/sections.c -o "$work/sections.o"
echo "--- create-diff-module inspect sections.o (a function per section; __sched and .data.once shared)"
node bin/create-diff-module.js inspect "$work/sections.o"
