#!/bin/sh
# golden.sh MAILPROOF CASE - run `mailproof $(cat CASE.args)` from the case's
# directory; stdout must equal CASE.out and the exit status CASE.rc.
# MP_UPDATE=1 rewrites the golden files instead.
set -u
mp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
case=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$case")" || exit 1
out=$(mktemp)
# shellcheck disable=SC2046
"$mp" $(cat "$case.args") >"$out" 2>&1
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
