#!/usr/bin/env bash
# The real target kernel (Debian 12 linux 6.1): download, prepare, compile, boot, kallsyms.
# Thin front for src/target/cli.ts; see docs/target.md. Examples:
#   toolchain/target.sh ensure                 # newest ABI; --abi 6.1.0-56 pins one
#   toolchain/target.sh --abi 6.1.0-56 compile fs/proc/cmdline.o kernel/fork.o
#   toolchain/target.sh boot -c 'cat /proc/cmdline; uname -r'
#   toolchain/target.sh kallsyms [--kaslr]     # path of the cached /proc/kallsyms dump
#   toolchain/target.sh vmlinux                # path of vmlinux extracted from vmlinuz
#   toolchain/target.sh all                    # every step once, with wall times
# Each step's wall time goes to stderr. Cache: $CDM_CACHE_DIR or ~/.cache/create-diff-module.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cli="$here/dist/target/cli.js"
if [ ! -f "$cli" ] || [ -n "$(find "$here/src/target" -newer "$cli" -name '*.ts' -print -quit)" ]; then
  # tsc still writes dist/ when another part of the tree has type errors; go on if ours is there.
  (cd "$here" && npx tsc -p tsconfig.json) >&2 || echo "target.sh: tsc reported errors (see above); using dist/ as built" >&2
  [ -f "$cli" ] || { echo "target.sh: $cli was not built" >&2; exit 70; }
fi
exec node "$cli" "$@"
