#!/usr/bin/env bash
# Builds and runs every test (each starts its own redis-server, API and workers on free ports), then prints
# one line "N passed, N failed". Extra arguments go to dotnet test, e.g. ./test.sh --filter QueueScriptTests
set -uo pipefail
cd "$(dirname "$0")"
scripts/install-prerequisites.sh --test || exit 1

log=$(mktemp)
trap 'rm -f "$log"' EXIT
report=artifacts/test-report.txt
rm -f "$report"
# A hung test is killed (with the processes it started) rather than stalling the run.
dotnet test JobQueue.sln --blame-hang-timeout 10m "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}

# dotnet test prints one summary per test assembly: "Passed!  - Failed: 0, Passed: 46, Skipped: 0, ..."
read -r passed failed < <(awk '/(Passed|Failed)! +- +Failed:/ {
    gsub(",", ""); for (i = 1; i <= NF; i++) { if ($i == "Failed:") f += $(i+1); if ($i == "Passed:") p += $(i+1) } }
  END { print p + 0, f + 0 }' "$log")
if [ "$status" -ne 0 ] && [ "$failed" -eq 0 ]; then
  failed=1  # the build or the test host failed before reporting
fi
if [ -f "$report" ]; then
  echo "== What the fault tests measured (artifacts/test-report.txt) =="
  grep -v '^Bad input:' "$report" | sort
  echo "Bad inputs tried: $(grep '^Bad input:' "$report" | grep -vc '^Bad input: generated'), each answered 4xx with nothing written"
  # Generated hostile input (CsCheck): one line per class of requests, with how many were refused and accepted.
  grep '^Bad input: generated' "$report" | sort
fi
echo "$passed passed, $failed failed"
exit "$status"
