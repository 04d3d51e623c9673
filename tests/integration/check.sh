# check.sh — sourced by the integration scripts: `check NAME COMMAND...` counts a pass
# when COMMAND succeeds and prints "FAIL: NAME" otherwise; `summary` prints the closing
# "N passed, N failed" line and returns nonzero when anything failed.
pass=0
fail=0

check() {
	local name=$1
	shift
	if "$@"; then
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
		echo "FAIL: $name"
	fi
}

summary() {
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
