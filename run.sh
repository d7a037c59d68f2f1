#!/usr/bin/env bash
# Runs JobQueue: redis-server, the API on :8000 and 3 workers, under the AppHost. Ctrl+C stops everything.
# Extra arguments go to the AppHost, e.g. ./run.sh --Worker:Replicas=5 --Api:Port=9000
set -euo pipefail
cd "$(dirname "$0")"
scripts/install-prerequisites.sh
exec dotnet run --project JobQueue.AppHost -- "$@"
