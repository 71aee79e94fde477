#!/usr/bin/env bash
# The newcomer's first command: set up everything, then run the tool's main job on a bundled
# example fix against the real Debian 6.1 kernel:
#   1. download and prepare the kernel (about a minute and a half the first time; cached
#      under ~/.cache/create-diff-module/), and dump its kallsyms from a KASLR boot under QEMU;
#   2. `check` the fix: compile the affected TU twice, compare, give the verdict;
#   3. `build` it into a livepatch module;
#   4. boot the kernel under QEMU (KASLR on), load the module, show /proc/cmdline patched,
#      disable the patch, unload it, and show /proc/cmdline back to normal.
set -euo pipefail
cd "$(dirname "$0")/.."

bash toolchain/install-deps.sh
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run --silent build

eval "$(node --input-type=module -e '
  const t = await import("./dist/target/index.js");
  const target = await t.ensureTarget({ abi: t.TEST_ABI, log: (l) => console.error(l) });
  const kallsyms = await t.targetKallsyms(target, { kaslr: true, log: (l) => console.error(l) });
  console.log(`src=${target.sourceDir} headers=${target.headersDir} kallsyms=${kallsyms} vmlinuz=${target.vmlinuz}`);')"
fix=testdata/kernel/diff/proc-cmdline-string.patch
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "--- the bundled fix ($fix)"
cat "$fix"
echo "--- create-diff-module check --src $src $fix"
node bin/create-diff-module.js check --src "$src" "$fix"
echo "--- create-diff-module build ... -o $work/cdm_demo.ko"
node bin/create-diff-module.js build --src "$src" --kallsyms "$kallsyms" --vmlinuz "$vmlinuz" --headers "$headers" --name cdm_demo -o "$work/cdm_demo.ko" "$fix"
echo "--- booting the Debian kernel under QEMU (KASLR on) and loading the module"
bash toolchain/target.sh --abi 6.1.0-56 boot --module "$work/cdm_demo.ko" -c '
lp=/sys/kernel/livepatch/cdm_demo
echo "before:  $(cat /proc/cmdline)"
insmod /modules/cdm_demo.ko
i=0; while [ "$(cat $lp/transition 2>/dev/null)" != 0 ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
echo "patched: $(cat /proc/cmdline)   (enabled=$(cat $lp/enabled))"
echo 0 > $lp/enabled
i=0; while [ -d $lp ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done
rmmod cdm_demo
echo "after:   $(cat /proc/cmdline)"
dmesg | grep -i livepatch'
echo "--- a fix that is not live-patchable: testdata/kernel/diff/fork-dump-filter-data.patch"
node bin/create-diff-module.js check --src "$src" testdata/kernel/diff/fork-dump-filter-data.patch || [ $? -eq 1 ]
