#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Sanitize tier: the C programs (client, ABI suite, stress, fuzzer) built
# with ASan + UBSan and run once against the real module.  The guest sees
# the host root read-only, so they are built on the host first:
#   tests/sanitize/run.sh build [DIR]            (default DIR: out/sanitize)
#   tests/vm/kt-vm run --smp 2 --check-dmesg -- tests/sanitize/run.sh [DIR]
#
# Runs the ABI suite, kt-stress for KT_SANITIZE_STRESS seconds (default
# 10), kt-fuzz for KT_SANITIZE_FUZZ seconds (default 30) and the client
# tier (tests/client/run.sh with the sanitized client).  Every sanitizer
# report is fatal (the program fails) and is also looked for in the output.
# Output: the programs' own lines, then `sanitize: N passed, N failed`, N
# summing their tier lines and one case "no sanitizer report".
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
# shellcheck source=../lib/tier.sh
. "$repo/tests/lib/tier.sh"

if [[ ${1:-} == build ]]; then
	out=$(realpath -m "${2:-$repo/out/sanitize}")
	for d in tests/abi tests/stress tests/fuzz; do
		make -s -C "$repo/$d" SANITIZE=1 OUT="$out" || exit
	done
	# lkm/ is also copied and built alone (build.ps1): its client Makefile
	# does not reach into tests/, the flags come in as a second makefile.
	make -s -C "$repo/lkm/client" -f Makefile -f ../../tests/sanitize/sanitize.mk \
		SANITIZE=1 PROG="$out/kerneltalk-client"
	exit
fi

bin=$(realpath -m "${1:-$repo/out/sanitize}")
work=${TMPDIR:-/tmp}/kt-sanitize
passed=0
failed=0
export ASAN_OPTIONS=detect_leaks=1:halt_on_error=1:abort_on_error=0:exitcode=86
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1:exitcode=87

summary() {
	echo "sanitize: $passed passed, $failed failed"
	((failed == 0))
	exit
}

mkdir -p "$work" || { echo "not ok - cannot create $work"; failed=1; summary; }
for p in kt-abi kerneltalk-client kt-stress kt-fuzz; do
	[[ -x $bin/$p ]] || {
		echo "not ok - $bin/$p missing (on the host: tests/sanitize/run.sh build $bin)"
		failed=$((failed + 1))
	}
done
((failed == 0)) || summary

# NAME COMMAND...: run it, fold its "NAME: N passed, N failed" line in.
run() {
	local name=$1 st
	shift
	"$@" 2>&1 | tee "$work/$name.out"
	st=${PIPESTATUS[0]}
	add_tier_line "$st" "$work/$name.out" "$name" || {
		echo "not ok - $name: no tier line (exit status $st)"
		failed=$((failed + 1))
	}
}

run abi "$bin/kt-abi"
run stress "$bin/kt-stress" -d "${KT_SANITIZE_STRESS:-10}"
run fuzz "$bin/kt-fuzz" -d "${KT_SANITIZE_FUZZ:-30}"
# The fuzzer leaves named rooms that hold messages (they persist, as
# message queues do) in the share of max_rooms named rooms may take: the
# client tier gets a freshly loaded module, with the parameters of the boot.
if [[ -n ${KT_MODULE:-} ]]; then
	# KT_PARAMS is split on blanks on purpose, as guest-init.sh does.
	# shellcheck disable=SC2086
	if rmmod kerneltalk && insmod "$KT_MODULE" ${KT_PARAMS:-}; then
		echo "ok - module reloaded for the client tier"
		passed=$((passed + 1))
	else
		echo "not ok - reload of $KT_MODULE for the client tier"
		failed=$((failed + 1))
	fi
fi
# Last: its final case fills the room table until the module is unloaded.
# Sanitized clients start and run slower: more time for each case.
run client env KT_CLIENT="$bin/kerneltalk-client" \
	KT_CLIENT_CASE_TIMEOUT="${KT_CLIENT_CASE_TIMEOUT:-60}" "$repo/tests/client/run.sh"

if grep -hE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$work"/*.out; then
	echo "not ok - sanitizer reports (above)"
	failed=$((failed + 1))
else
	echo "ok - no sanitizer report"
	passed=$((passed + 1))
fi
summary
