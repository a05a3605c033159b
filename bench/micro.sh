#!/usr/bin/env bash
# Micro-benchmarks of the hot kernels (BenchmarkDotNet, bench/Micro): filter/take, compiled
# expressions, key hashing, grouping, JSON decode, the nexmark generator.
#   bench/micro.sh                     everything, short job (about 5 minutes on 2 cores)
#   bench/micro.sh '*KeyHash*'         only the benchmarks whose full name matches
#   bench/micro.sh '*Take*' --job medium   any further arguments go to BenchmarkDotNet
# Results: one joined summary table on stdout; reports in .build/micro/results/.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

filter="${1:-*}"
[ $# -gt 0 ] && shift
job=(--job short)
for arg in "$@"; do
  case "$arg" in --job|-j) job=() ;; esac
done

dotnet build bench/Micro -c Release --nologo -v quiet -clp:ErrorsOnly >/dev/null
dotnet bench/Micro/bin/Release/net10.0/Micro.dll --filter "$filter" "${job[@]}" \
  --join --artifacts "$root/.build/micro" "$@"
