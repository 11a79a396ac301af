#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# kmemleak check of the KernelTalk module, inside the debug-kernel VM:
#   tests/vm/kt-vm run --kernel 6.1-debug --smp 2 --check-dmesg \
#       --module out/lkm-6.1-debug/kerneltalk.ko -- \
#       tests/vm/kmemleak.sh [--kdir DIR] [WORKLOAD...]
#
# Runs each WORKLOAD (a program, e.g. tests/abi/kt-abi tests/fuzz/run.sh),
# then unloads the module, scans twice (DESIGN.md section 7: a leak still
# linked from module data shows only after rmmod, and a scan reports only
# objects that looked unreferenced twice) and fails on every unreferenced
# object whose allocation backtrace passes through kerneltalk.  Frames are
# mapped to source lines: module addresses are turned into SYMBOL+OFFSET
# from the section addresses recorded before rmmod, then scripts/faddr2line
# of the kernel tree DIR (the debug kernel's, --kdir) against the module
# built with -g ($KT_MODULE); without --kdir, addr2line.  Leaks elsewhere
# in the kernel are counted as a note only.
#
# Output: the workloads' output; "ok/not ok" lines; then
# `kmemleak: N passed, N failed`, N summing the workloads' own tier lines
# ("NAME: N passed, N failed"; a workload without one counts as one case,
# passed if it exited 0) and the leak check itself.
set -uo pipefail
# shellcheck source=../lib/tier.sh
. "$(dirname "$0")/../lib/tier.sh"

kdir=''
if [[ ${1:-} == --kdir ]]; then
	kdir=$2
	shift 2
fi
km=/sys/kernel/debug/kmemleak
ko=${KT_MODULE:-}
work=${TMPDIR:-/tmp}/kt-kmemleak
passed=0
failed=0

summary() { end_tier kmemleak; }
bail() { bail_tier kmemleak "$@"; }

mkdir -p "$work" || bail "cannot create $work"
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug ||
	bail "cannot mount debugfs"
[[ -w $km ]] || bail "$km missing: the kernel lacks CONFIG_DEBUG_KMEMLEAK (use --kernel 6.1-debug)"
[[ -n $ko && -r $ko ]] || bail "no module file (KT_MODULE=${KT_MODULE:-unset}): run under kt-vm with --module"
grep -q '^kerneltalk ' /proc/modules || bail "the kerneltalk module is not loaded"

# What boot and insmod left behind is not ours to report.
echo scan >"$km" && echo clear >"$km" || bail "cannot scan/clear $km"

for w; do
	start=$SECONDS
	"$w" | tee "$work/out"
	st=${PIPESTATUS[0]}
	echo "# $w: $((SECONDS - start)) s"
	add_tier_line "$st" "$work/out" && continue
	if ((st == 0)); then
		echo "ok - $w"
		passed=$((passed + 1))
	else
		echo "not ok - $w # exit status $st"
		failed=$((failed + 1))
	fi
done

# The module's sections, before they go: "NAME ADDRESS" lines.
for s in /sys/module/kerneltalk/sections/.*; do
	echo "${s##*/} $(<"$s")"
done >"$work/sections"
# Here-strings, not <(...): the guest has no /dev/fd.
read -r _ size _ _ _ base _ <<<"$(grep '^kerneltalk ' /proc/modules)"
# The KUnit module (tests/vm/kunit.sh) unloads itself; still loaded, its
# data would keep what it allocated referenced through the scans.
if grep -q '^kerneltalk_kunit ' /proc/modules && ! rmmod kerneltalk_kunit; then
	echo "not ok - rmmod kerneltalk_kunit (still in use?)"
	failed=$((failed + 1))
	summary
fi
if ! rmmod kerneltalk; then
	echo "not ok - rmmod kerneltalk (still in use?)"
	failed=$((failed + 1))
	summary
fi

# Objects must be older than kmemleak's minimum age (5 s) to be reported.
start=$SECONDS
sleep 6
echo scan >"$km"
sleep 1
echo scan >"$km"
cat "$km" >"$work/report"
echo "# rmmod and two scans: $((SECONDS - start)) s"
[[ -z ${KT_RESULTS:-} ]] || cp "$work/report" "$KT_RESULTS/kmemleak.txt"

# SECTION OFFSET of a module address, or nothing.
# (Bash arithmetic: awk's doubles cannot hold 64-bit addresses.)
section_of() {	# ADDRESS
	local name b best='' bestname=''
	while read -r name b; do
		if ((b <= $1)) && [[ -z $best ]] || ((b <= $1 && b > best)); then
			best=$b bestname=$name
		fi
	done <"$work/sections"
	[[ -z $best ]] || echo "$bestname $(($1 - best))"
}

# Source line of module text at SECTION+OFFSET.
map_frame() {	# SECTION OFFSET
	local sym
	if [[ -n $kdir && -x $kdir/scripts/faddr2line && $1 == .text ]]; then
		# The symbol the offset falls in, from the module's symbol table.
		local addr type name best=''
		while read -r addr type name; do
			[[ $type == [tT] ]] && ((16#$addr <= $2)) && best="$name+$(($2 - 16#$addr))"
		done <<<"$(nm -n --defined-only "$ko")"
		sym=${best%+*}+$(printf '%#x' "${best##*+}")
		[[ -n $best ]] || sym=
		[[ -n $sym ]] && "$kdir/scripts/faddr2line" "$ko" "$sym" 2>/dev/null && return
	fi
	addr2line -f -i -p -j "$1" -e "$ko" "$(printf '%#x' "$2")"
}

# A frame: "[<ADDRESS>] SYMBOL+OFF/LEN", or with hashed pointers
# "[<(____ptrval____)>] 0xADDRESS" once the module is gone (in a variable:
# written inline, \< would be a word anchor).
frame_re='^\[<([0-9a-f]+)>\]|\] 0x([0-9a-f]+)$'
ours=0 others=0 block=()
flush_block() {
	((${#block[@]})) || return 0
	local l a hit=0 mapped=()
	for l in "${block[@]}"; do
		mapped+=("$l")
		[[ $l =~ $frame_re ]] || continue
		a=0x${BASH_REMATCH[1]}${BASH_REMATCH[2]}
		if [[ $l == *kerneltalk* ]] || (((a) >= base && (a) < base + size)); then
			hit=1
			read -r sec off <<<"$(section_of "$a")"
			[[ -n ${sec:-} ]] && mapped+=("      -> $(map_frame "$sec" "$off" | tr '\n' ' ')")
		fi
	done
	if ((hit)); then
		ours=$((ours + 1))
		printf '#   %s\n' "${mapped[@]}"
	else
		others=$((others + 1))
	fi
	block=()
}
while IFS= read -r l; do
	[[ $l == unreferenced\ object* ]] && flush_block
	block+=("$l")
done <"$work/report"
flush_block

if ((ours)); then
	echo "not ok - kmemleak: $ours leaked objects allocated through kerneltalk (above)"
	failed=$((failed + 1))
else
	echo "ok - kmemleak: no leak through kerneltalk after rmmod ($others elsewhere in the kernel)"
	passed=$((passed + 1))
fi
summary
