#!/usr/bin/env bash
# Installs what JobQueue needs beyond the .NET SDK: redis-server (the AppHost and the tests start their own).
set -euo pipefail

need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0

if ! command -v apt-get >/dev/null 2>&1; then
  echo "JobQueue needs: ${need[*]}. Install it with your package manager (e.g. 'brew install redis') and run again." >&2
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
