#!/usr/bin/env bash
# The newcomer's first command: set up everything and run the tool's main job on a bundled
# example fix against the real Debian 6.1 kernel: download and prepare the kernel (about a
# minute and a half the first time, cached under ~/.cache/create-diff-module/), then `check`
# the fix (compile the affected TU twice, compare, give the verdict), then show why with
# `diff-objects`. It grows with the tool: `build` will turn the fix into a livepatch module
# loaded under QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."

bash toolchain/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

src=$(node --input-type=module -e '
  const { ensureTarget } = await import("./dist/target/index.js");
  const t = await ensureTarget({ log: (l) => console.error(l) });
  console.log(t.sourceDir);')
fix=testdata/kernel/diff/proc-cmdline-string.patch
echo "--- the bundled fix ($fix)"
cat "$fix"
echo "--- create-diff-module check --src $src $fix"
node bin/create-diff-module.js check --src "$src" "$fix" || [ $? -le 3 ]
echo "--- a fix that is not live-patchable: testdata/kernel/diff/fork-dump-filter-data.patch"
node bin/create-diff-module.js check --src "$src" testdata/kernel/diff/fork-dump-filter-data.patch || [ $? -le 3 ]
