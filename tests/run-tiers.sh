#!/usr/bin/env bash
# Runs the test tiers in order (unit, kernel, qemu) and prints each tier's wall time, so a
# slow tier is seen early. Usage: tests/run-tiers.sh [tier...]   (default: all three)
# CDM_TIERS="unit" limits the tiers from the environment as well.
set -uo pipefail
cd "$(dirname "$0")/.."

tiers=("$@")
[ ${#tiers[@]} -gt 0 ] || read -r -a tiers <<< "${CDM_TIERS:-unit kernel qemu}"

status=0
summary=()
results=$(mktemp -d)
trap 'rm -rf "$results"' EXIT
for tier in "${tiers[@]}"; do
  files=$(find "tests/$tier" -name '*.test.ts' 2>/dev/null | wc -l)
  if [ "$files" -eq 0 ]; then
    summary+=("$tier: no tests yet")
    continue
  fi
  echo "=== tier $tier ($files files) ==="
  start=$(date +%s)
  # Each tier's temporary trees, objects and images go to one directory removed after it:
  # tests make them with os.tmpdir(), and one that fails midway leaves no litter in /tmp.
  # Open to every user, sticky, as /tmp is: distccd (launchers test) runs as its own user.
  scratch=$(mktemp -d "${TMPDIR:-/tmp}/cdm-tests-$tier-XXXXXX")
  chmod 1777 "$scratch"
  TMPDIR="$scratch" npx vitest run --project "$tier" --reporter=default --reporter=json --outputFile.json="$results/$tier.json"
  rc=$?
  rm -rf "$scratch"
  secs=$(( $(date +%s) - start ))
  summary+=("$tier: $( [ $rc -eq 0 ] && echo passed || echo "FAILED (exit $rc)" ) in ${secs}s")
  [ $rc -eq 0 ] || status=1
done
echo "=== tier times ==="
printf '%s\n' "${summary[@]}"
# One plain closing line over all tiers, as CI reads it.
node -e '
  const fs = require("fs"); let passed = 0, failed = 0, skipped = 0;
  for (const f of fs.readdirSync(process.argv[1])) {
    const r = JSON.parse(fs.readFileSync(process.argv[1] + "/" + f, "utf8"));
    passed += r.numPassedTests; failed += r.numFailedTests; skipped += r.numPendingTests + (r.numTodoTests || 0);
  }
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
' "$results"
exit $status
