#!/usr/bin/env bash
# Installs what JobQueue needs beyond the .NET SDK, from Debian/Ubuntu packages:
#   redis-server  always (the AppHost and the tests start their own);
#   tzdata        always (schedules read their time zones, e.g. Europe/Paris, from /usr/share/zoneinfo);
#   chromium      with --test (the dashboard tests drive it headless; never a downloaded browser);
#   wrk, nodejs   with --test or --bench (the benchmark's HTTP load and BullMQ's side; the tests smoke-run it);
#   valgrind      with --test or --profile (the benchmark's --profile-redis counts Redis's instructions under it).
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ -f /usr/share/zoneinfo/Europe/Paris ] || need+=(tzdata)
if [ "${1:-}" = "--test" ] && [ ! -x /usr/bin/chromium ]; then
  need+=(chromium)
fi
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--bench" ]; then
  command -v wrk >/dev/null 2>&1 || need+=(wrk)
  command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
fi
if [ "${1:-}" = "--test" ] || [ "${1:-}" = "--profile" ]; then
  command -v valgrind >/dev/null 2>&1 || need+=(valgrind)
fi
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "JobQueue needs: ${need[*]}. Install them with your package manager (e.g. 'brew install redis') and run again." >&2
  exit 1
fi

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null 2>&1 || { echo "Installing ${need[*]} needs root: run 'apt-get install -y ${need[*]}' as root." >&2; exit 1; }
  sudo="sudo"
fi

echo "Installing ${need[*]} with apt-get..."
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
