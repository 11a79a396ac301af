#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KUnit tier, inside a VM whose kernel has CONFIG_KUNIT (the debug kernel):
#   tests/vm/kunit.sh [MODULE]      MODULE defaults to $KT_KUNIT
# Loads MODULE (kerneltalk_kunit.ko: the ring's tests, lkm/kt_kunit.c),
# whose suites run while it loads, reads their KTAP results from the
# kernel log, unloads it and prints an ok/not ok line per case, then
# `kunit: N passed, N failed`.  Every case the plan (1..N) promises and
# the log does not show, a skipped case, a suite that failed as a whole
# and a suite that never ran count as failures: a crash can never read as
# zero cases passed.  The KTAP goes to $KT_RESULTS/kunit.ktap.
set -uo pipefail
# shellcheck source=../lib/tier.sh
. "$(dirname "$0")/../lib/tier.sh"

ko=${1:-${KT_KUNIT:-}}
work=${TMPDIR:-/tmp}/kt-kunit
passed=0
failed=0

mkdir -p "$work" || bail_tier kunit "cannot create $work"
[[ -n $ko && -r $ko ]] || bail_tier kunit "no test module (argument or KT_KUNIT: ${ko:-unset})"
name=$(basename "$ko" .ko)
# The log after a mark of this load's own (a count of lines would not do:
# a full log buffer drops its oldest), timestamps off.
mark="kunit.sh: insmod $name, pid $$"
echo "$mark" >/dev/kmsg || bail_tier kunit "cannot write to /dev/kmsg"
insmod "$ko" || bail_tier kunit "insmod $ko failed"
dmesg | sed -E 's/^\[ *[0-9.]+\] //' |
	awk -v mark="$mark" '$0 == mark { n = 0; next } { line[n++] = $0 }
		END { for (i = 0; i < n; i++) print line[i] }' >"$work/log"
rmmod "$name" || bail_tier kunit "rmmod $name failed"

# KTAP: "    # Subtest: SUITE", "    1..N", "    ok I CASE[ # SKIP ...]" or
# "    not ok I CASE", then "ok I SUITE" / "not ok I SUITE" (lib/kunit/test.c).
sed -n '/^    # Subtest: /,/^\(not \)\{0,1\}ok [0-9]* /p' "$work/log" >"$work/ktap"
[[ -z ${KT_RESULTS:-} ]] || cp "$work/ktap" "$KT_RESULTS/kunit.ktap"
suites=0
suite='' plan=0 seen=0 sfailed=0
while IFS= read -r l; do
	if [[ $l =~ ^\ {4}#\ Subtest:\ (.*)$ ]]; then
		suite=${BASH_REMATCH[1]} plan=0 seen=0 sfailed=0
		suites=$((suites + 1))
	elif [[ $l =~ ^\ {4}1\.\.([0-9]+)$ ]]; then
		plan=${BASH_REMATCH[1]}
	elif [[ $l =~ ^\ {4}(not\ )?ok\ [0-9]+\ ([^ ]+)(.*)$ ]]; then
		seen=$((seen + 1))
		if [[ -n ${BASH_REMATCH[1]} || ${BASH_REMATCH[3]} == *'# SKIP'* ]]; then
			echo "not ok - $suite.${BASH_REMATCH[2]}${BASH_REMATCH[3]}"
			failed=$((failed + 1)) sfailed=$((sfailed + 1))
		else
			echo "ok - $suite.${BASH_REMATCH[2]}"
			passed=$((passed + 1))
		fi
	elif [[ $l =~ ^(not\ )?ok\ [0-9]+\ (.*)$ ]]; then
		if ((seen < plan)); then
			echo "not ok - $suite: $((plan - seen)) of $plan cases did not report"
			failed=$((failed + plan - seen))
		fi
		if [[ -n ${BASH_REMATCH[1]} ]] && ((seen >= plan && !sfailed)); then
			echo "not ok - $suite failed as a whole (init or exit)"
			failed=$((failed + 1))
		fi
		suite=''
	fi
done <"$work/ktap"
if [[ -n $suite ]]; then
	echo "not ok - $suite: no result line ($seen of $plan cases reported)"
	failed=$((failed + 1 + (plan > seen ? plan - seen : 0)))
fi
# The failed expectations, with file and line, are in the log.
((failed == 0)) || sed 's/^/# /' "$work/ktap"
((suites)) || bail_tier kunit "no KTAP suite in the kernel log after insmod $name (CONFIG_KUNIT? kunit.enable?)"
end_tier kunit
