#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Planted bugs: proof that the test tiers bite (README "Quality").
#
#   tests/planted/run.sh [--all | --tier TIER] [NAME...]   apply, build, run, judge
#   tests/planted/run.sh --check             every patch still applies (Test's
#                                            "planted" tier; host only, seconds)
#
# Each NN-NAME.patch here breaks the module in one way, against lkm/.  Its
# header (the text before the diff, which git apply skips) says what it
# breaks and, in "Tier: TIER REGEX" lines, which tier must catch it (the
# first line) and which others are worth recording (the rest, with --all;
# --tier TIER runs that one of them only).
# For each tier the patch is applied to a copy of lkm/ (never to the
# checkout), the module is built for the tier's kernel (W=1, -g, as
# build.ps1's Build-ModuleCopy) and the tier runs in the VM as in
# build.ps1 (kt-vm run --module).  The bug counts as caught when the tier
# fails AND its output (tier log, kernel log, console log, KCSAN and
# kmemleak reports) matches REGEX, the reason the bug introduces; a tier
# failing for another reason is reported as such.  Output per tier:
# "caught" / "NOT caught" / "failed, other reason", the seconds it took and
# the W=1 warnings of the build (what the lint tier would see); everything
# under out/planted/NAME/TIER/.  NAME may be a prefix ("03").
#
# TIER is PART or PART-KERNEL: PART abi, stress, fuzz or kmemleak (the
# ABI suite under tests/vm/kmemleak.sh: rmmod, two scans), KERNEL a kt-vm
# --kernel (6.1 when left out).  Fuzz runs KT_FUZZ_SECONDS (default 60 here)
# plus trinity for KT_TRINITY_SECONDS (default 0 here).  A hang ends by the
# tier's watchdog (KT_PLANTED_TIMEOUT, default 900 s, 3600 for kmemleak) and
# counts as a failure.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
ktvm=$repo/tests/vm/kt-vm
out=$repo/out/planted

say() { echo "planted: $*" >&2; }

# The "Tier:" lines of patch $1: "TIER<TAB>REGEX".
tiers_of() {
	sed -nE 's/^Tier: ([^ ]+) ?(.*)$/\1\t\2/p' "$1"
}

# Applies patch $1 to a fresh copy of lkm/ in dir $2 (its lkm/).
apply_copy() {
	rm -rf "$2" && mkdir -p "$2" || return 1
	cp -r "$repo/lkm" "$2/lkm" || return 1
	(cd "$2" && git apply --whitespace=nowarn "$1")
}

# --check: every patch applies and names at least one tier.
check() {
	local p tmp passed=0 failed=0 n=0 why
	tmp=$(mktemp -d)
	for p in "$here"/[0-9]*.patch; do
		n=$((n + 1))
		if [[ -z $(tiers_of "$p") ]]; then
			why='no "Tier:" line in its header'
		elif why=$(apply_copy "$p" "$tmp/c" 2>&1); then
			echo "ok $n - ${p##*/} applies to lkm/"
			passed=$((passed + 1))
			continue
		fi
		echo "not ok $n - ${p##*/} applies to lkm/"
		sed 's/^/#   /' <<<"${why:-git apply failed}"
		failed=$((failed + 1))
	done
	rm -rf "$tmp"
	((n)) || { echo "not ok 1 - no patch in $here"; failed=1; }
	echo "planted: $passed passed, $failed failed"
	((failed == 0))
}

# Runs tier $2 on the module built from patch $1; prints the verdict line.
run_tier() {
	local patch=$1 tier=$2 regex=$3 name part kernel kdir tmp res log rc start
	name=$(basename "$patch" .patch)
	part=${tier%%-*} kernel=${tier#"$part"}
	kernel=${kernel#-}
	kernel=${kernel:-6.1}
	res=$out/$name/$tier
	log=$res/tier.log
	rm -rf "$res" && mkdir -p "$res"
	tmp=$(mktemp -d "${TMPDIR:-/tmp}/kt-planted.XXXXXX")
	start=$SECONDS
	if ! "$ktvm" setup --kernel "$kernel" >"$res/build.log" 2>&1 ||
		! kdir=$("$ktvm" kdir --kernel "$kernel" 2>>"$res/build.log") ||
		! apply_copy "$patch" "$tmp" >>"$res/build.log" 2>&1 ||
		! make -s -C "$tmp/lkm" clean KDIR="$kdir" >>"$res/build.log" 2>&1 ||
		! make -C "$tmp/lkm" module KDIR="$kdir" W=1 KCFLAGS=-g >>"$res/build.log" 2>&1; then
		rm -rf "$tmp"
		echo "$name $tier: build failed ($res/build.log)"
		return 1
	fi
	local cmd smp=1 timeout=900
	case $part in
	abi) cmd=("$repo/tests/abi/kt-abi") ;;
	stress) cmd=("$repo/tests/stress/run.sh") smp=2 ;;
	fuzz)
		cmd=(env "KT_FUZZ_SECONDS=${KT_FUZZ_SECONDS:-60}"
			"KT_TRINITY_SECONDS=${KT_TRINITY_SECONDS:-0}" "$repo/tests/fuzz/run.sh")
		smp=2 ;;
	# Two scans under KASAN take minutes: build.ps1's watchdog for it.
	kmemleak) cmd=("$repo/tests/vm/kmemleak.sh" --kdir "$kdir" "$repo/tests/abi/kt-abi") timeout=3600 ;;
	*) rm -rf "$tmp"; say "unknown tier part '$part' in '$tier'"; return 2 ;;
	esac
	# The debug kernels' tiers run with 2 CPUs, as in build.ps1.
	[[ $kernel != 6.1-debug && $kernel != 6.1-kcsan ]] || smp=2
	say "$name: tier $tier (kernel $kernel, $smp CPUs)"
	"$ktvm" run --kernel "$kernel" --smp "$smp" --check-dmesg --results "$res" \
		--timeout "${KT_PLANTED_TIMEOUT:-$timeout}" --module "$tmp/lkm/kerneltalk.ko" \
		-- "${cmd[@]}" >"$log" 2>&1
	rc=$?
	rm -rf "$tmp"
	local took=$((SECONDS - start)) counts failed_cases=0 verdict where='' warnings
	counts=$(grep -E '^[a-z]+: [0-9]+ passed, [0-9]+ failed' "$log" | tail -n1)
	[[ $counts =~ ([0-9]+)\ failed ]] && failed_cases=${BASH_REMATCH[1]}
	if [[ -n $regex ]]; then
		where=$(cd "$res" && grep -lE -- "$regex" tier.log dmesg.txt console.txt \
			kcsan.txt kmemleak.txt 2>/dev/null | paste -sd, -)
	fi
	if ((rc == 0 && failed_cases == 0)); then
		verdict='NOT caught'
	elif [[ -z $regex ]]; then
		verdict='failed (no pattern to judge by: read the log)'
	elif [[ -n $where ]]; then
		verdict="caught (/$regex/ in $where)"
	else
		verdict="failed, other reason (no /$regex/)"
	fi
	# What the lint tier's W=1 build case would say of the same patch.
	warnings=$(grep -c ': warning: ' "$res/build.log")
	echo "$name $tier: $verdict; exit $rc, ${counts:-no tier line}; ${took} s; W=1 warnings $warnings; $res"
}

all=0 only=''
case ${1-} in
--check) check; exit ;;
--all) all=1; shift ;;
--tier) only=${2?}; shift 2 ;;
-h | --help) sed -n '4,31s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
esac
patches=()
if (($#)); then
	for a; do
		m=("$here/$a"*.patch)
		[[ -e ${m[0]} ]] || { say "no patch $a*.patch in $here"; exit 2; }
		patches+=("${m[@]}")
	done
else
	patches=("$here"/[0-9]*.patch)
fi
status=0
for p in "${patches[@]}"; do
	first=1
	while IFS=$'\t' read -r tier regex; do
		if [[ -n $only ]]; then
			[[ $tier == "$only" ]] || continue
		elif ! ((first || all)); then
			continue
		fi
		first=0
		line=$(run_tier "$p" "$tier" "$regex" </dev/null)
		echo "$line"
		if [[ $line != *': caught'* && $tier == "$(tiers_of "$p" | head -n1 | cut -f1)" ]]; then
			status=1
		fi
	done < <(tiers_of "$p")
done
exit $status
