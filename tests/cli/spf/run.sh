#!/bin/sh
# tests/cli/spf/run.sh MAILPROOF [--update] - `mailproof spf` end to end on a
# zone file: exact text and JSON output (golden files NAME.out) and exit
# status for each line of `cases`.
set -u
mp=$1
here=$(cd "$(dirname "$0")" && pwd)
update=${2:-}
fail=0
n=0
while IFS='|' read -r name want args; do
	case $name in '#'*|'') continue ;; esac
	n=$((n + 1))
	# shellcheck disable=SC2086
	out=$(cd "$here" && "$mp" spf --zone spf.zone --receiver mx.test $args 2>&1)
	rc=$?
	if [ "$update" = --update ]; then
		printf '%s\n' "$out" >"$here/$name.out"
	fi
	if [ "$rc" != "$want" ]; then
		echo "FAIL $name: exit $rc, want $want"
		fail=1
	fi
	if ! printf '%s\n' "$out" | diff -u "$here/$name.out" - >/dev/null; then
		echo "FAIL $name: output differs:"
		printf '%s\n' "$out" | diff -u "$here/$name.out" - | head -20
		fail=1
	fi
done <"$here/cases"
echo "cli/spf: $n cases, $([ $fail = 0 ] && echo all passed || echo FAILURES)"
exit $fail
