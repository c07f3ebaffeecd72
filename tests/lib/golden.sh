#!/bin/sh
# golden.sh MAILPROOF CASE [SED] - run `mailproof $(cat CASE.args)` from the
# case's directory; stdout and stderr must equal CASE.out (after the sed -E
# script SED, if given, e.g. to mask timings) and the exit status CASE.rc.
# MP_UPDATE=1 rewrites the golden files instead.
set -u
mp=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
case=$(cd "$(dirname "$2")" && pwd)/$(basename "$2")
cd "$(dirname "$case")" || exit 1
out=$(mktemp)
# shellcheck disable=SC2046
# through a pipe, not straight into the file: a case may write to
# /dev/stdout by name (check --html /dev/stdout), which would truncate it
{ "$mp" $(cat "$case.args") 2>&1; echo $? >"$out.rc"; } | cat >"$out"
rc=$(cat "$out.rc")
rm -f "$out.rc"
if [ -n "${3:-}" ]; then
	sed -E "$3" "$out" >"$out.f" && mv "$out.f" "$out"
fi
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
