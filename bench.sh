#!/usr/bin/env bash
# Benchmarks JobQueue beside BullMQ and Hangfire on one freshly started redis-server: prints a Markdown table and writes
# bench/results/results.json and bench/results/drain.svg. Takes about 5 minutes on 2 cores.
# ./bench.sh --smoke runs tiny sizes (seconds); --out DIR writes elsewhere; --profile-redis counts Redis's instructions per
# job under Valgrind (with a few thousand jobs: --jobs 5000 for the drains, --enqueue-jobs 5000 for the enqueues).
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-prerequisites.sh --bench
if [[ " $* " == *" --profile-redis "* ]]; then
  scripts/install-prerequisites.sh --profile
fi
dotnet build -c Release bench/JobQueue.Benchmarks -v quiet -nologo
dotnet bench/JobQueue.Benchmarks/bin/Release/net10.0/JobQueue.Benchmarks.dll "$@"
