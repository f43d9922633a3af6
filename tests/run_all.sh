#!/bin/sh
# Runs every test: Check suites (tests/core), Lua API tests (tests/lua),
# REPL golden tests (tests/repl), recipe tests (tests/recipes), and the
# docs/operators.md freshness check. Ends with one "N passed, N failed" line.
# Usage: tests/run_all.sh BUILD_DIR   (TL_BIN overrides the binary)
build=${1:-build}
bin=${TL_BIN:-./tomolith}
passed=0; failed=0
log=$(mktemp -d)
trap 'rm -rf "$log"' EXIT
export CK_DEFAULT_TIMEOUT=${CK_DEFAULT_TIMEOUT:-600}
export TL_SHARED=${TL_SHARED:-../shared}
export OMP_NUM_THREADS=${OMP_NUM_THREADS:-2}

count() { # add "N passed, M failed" from file $1
  line=$(grep -E "^[A-Za-z_:]*[ ]*[0-9]+ passed, [0-9]+ failed" "$1" | tail -n 1)
  p=$(echo "$line" | grep -oE "[0-9]+ passed" | grep -oE "[0-9]+")
  f=$(echo "$line" | grep -oE '[0-9]+ failed' | grep -oE '[0-9]+')
  passed=$((passed + ${p:-0})); failed=$((failed + ${f:-0}))
}

echo "== core (Check)"
if "$build/check_core" >"$log/core" 2>&1; then :; fi
cat "$log/core"
line=$(grep -E 'Checks: [0-9]+' "$log/core" | tail -n 1)
n=$(echo "$line" | sed -E 's/.*Checks: ([0-9]+).*/\1/')
fl=$(echo "$line" | sed -E 's/.*Failures: ([0-9]+).*/\1/')
er=$(echo "$line" | sed -E 's/.*Errors: ([0-9]+).*/\1/')
if [ -z "$line" ]; then failed=$((failed + 1)); echo "FAIL: check_core did not run"; else
  passed=$((passed + n - fl - er)); failed=$((failed + fl + er)); fi

echo "== lua API"
for t in tests/lua/*.lua; do
  [ -f "$t" ] || continue
  if "$bin" "$t" >"$log/lua" 2>&1; then status=ok; else status=FAIL; fi
  grep -vE '^ok ' "$log/lua"
  count "$log/lua"
  if [ $status = FAIL ] && ! grep -qE '[0-9]+ passed, [1-9][0-9]* failed' "$log/lua"; then
    failed=$((failed + 1)); echo "FAIL: $t exited non-zero"; fi
done

echo "== REPL golden"
for t in tests/repl/*.in; do
  [ -f "$t" ] || continue
  exp=${t%.in}.out
  "$bin" <"$t" >"$log/repl" 2>&1
  if cmp -s "$log/repl" "$exp"; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: $t"; diff "$exp" "$log/repl" | head -20; fi
done

echo "== recipes"
for t in tests/recipes/*.lua; do
  [ -f "$t" ] || continue
  if "$bin" "$t" >"$log/rec" 2>&1; then status=ok; else status=FAIL; fi
  grep -vE '^ok ' "$log/rec"
  count "$log/rec"
  if [ $status = FAIL ] && ! grep -qE '[0-9]+ passed, [1-9][0-9]* failed' "$log/rec"; then
    failed=$((failed + 1)); echo "FAIL: $t exited non-zero"; fi
done

echo "== docs/operators.md is current"
if [ -z "$TL_SANITIZE" ]; then
  if "$bin" --docs 2>/dev/null | cmp -s - docs/operators.md; then passed=$((passed + 1)); else
    failed=$((failed + 1)); echo "FAIL: docs/operators.md is stale: run 'make docs'"; fi
fi

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
