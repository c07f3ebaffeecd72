#!/bin/sh
# run.sh MAILPROOF CASE - run `mailproof $(cat CASE.args)` from the case's
# directory; stdout and stderr must equal CASE.out (timings in the bulk
# summary replaced by T and R) and the exit status CASE.rc.
# MP_UPDATE=1 rewrites the golden files instead.
set -u
mp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
case=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$case")" || exit 1
out=$(mktemp)
# shellcheck disable=SC2046
"$mp" $(cat "$case.args") 2>&1 | sed -E 's/in [0-9.]+ s \([0-9]+\/s\)/in T s (R\/s)/' >"$out"
# the exit status of mailproof, not of sed
# shellcheck disable=SC2046
"$mp" $(cat "$case.args") >/dev/null 2>&1
rc=$?
if [ -n "${MP_UPDATE:-}" ]; then
	cp "$out" "$case.out"
	echo "$rc" >"$case.rc"
	rm -f "$out"
	exit 0
fi
status=0
if ! diff -u "$case.out" "$out"; then
	status=1
fi
if [ "$rc" != "$(cat "$case.rc")" ]; then
	echo "exit status $rc, want $(cat "$case.rc")"
	status=1
fi
rm -f "$out"
exit $status
