#!/usr/bin/env bash
# Runs the whole test suite: builds, installs the test servers it needs (npm packages into
# .tools/, Debian packages when missing), runs every test project, and ends with one line
# "N passed, N failed, N skipped" counted from the TRX results. Exits non-zero on any failure.
#   scripts/test.sh            everything (what CI runs)
#   scripts/test.sh --fast     unit tests only (skips the EndToEnd project)
set -uo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
fast=0
[ "${1:-}" = "--fast" ] && fast=1

results="$root/.build/test-results"
rm -rf "$results"
mkdir -p "$results"

bash "$root/scripts/install-test-deps.sh" || echo "warning: could not install every test dependency; tests that need them will skip" >&2

echo "building..." >&2
if ! dotnet build "$root/Arroyo.slnx" -c Debug --nologo -v quiet -clp:ErrorsOnly; then
  echo "0 passed, 1 failed"
  echo "build failed" >&2
  exit 1
fi

projects=(tests/Arroyo.Sql.Tests tests/Arroyo.Engine.Tests tests/Arroyo.Storage.Tests)
[ $fast -eq 0 ] && projects+=(tests/Arroyo.EndToEnd.Tests)

status=0
for project in "${projects[@]}"; do
  name="$(basename "$project")"
  echo "=== $name" >&2
  dotnet test --project "$project" --no-build -c Debug --no-progress \
    --report-xunit-trx --report-xunit-trx-filename "$name.trx" --results-directory "$results" || status=1
  # A run that ended without its report (killed, crashed; a SIGTERM'd dotnet can even exit 0)
  # did not pass, whatever its exit code said.
  if [ ! -s "$results/$name.trx" ]; then
    echo "no test results from $name: counted as a failure" >&2
    status=1
  fi
done

# Count from the TRX files: the <Counters> element of each run.
read -r passed failed skipped < <(python3 - "$results" <<'PY' 2>/dev/null || echo "0 0 0"
import sys, glob, xml.etree.ElementTree as ET
p = f = s = 0
for path in glob.glob(sys.argv[1] + "/**/*.trx", recursive=True):
    for c in ET.parse(path).getroot().iter():
        if c.tag.endswith("Counters"):
            p += int(c.get("passed", 0)); f += int(c.get("failed", 0)) + int(c.get("error", 0)) + int(c.get("timeout", 0))
            s += int(c.get("notExecuted", 0))
print(p, f, s)
PY
)
# A test run that failed without a failed test in its report (a crash, a missing report)
# still counts as a failure.
if [ "$failed" = "0" ] && [ $status -ne 0 ]; then failed=1; fi
echo "$passed passed, $failed failed, $skipped skipped"
[ $status -eq 0 ] && [ "$failed" = "0" ]
