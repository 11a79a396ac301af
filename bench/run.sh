#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# The KernelTalk benchmark in one command (see bench/README.md):
#
#   bench/run.sh [--kernel K] [--reps N] [--lines N]   in the test VM
#   bench/run.sh --host [--reps N] [--lines N]         on this machine, against
#                                                      the module loaded here
#   bench/run.sh --report                              tables and plot again from
#                                                      the last run's results/run-*
#
# VM: two boots of tests/vm/kt-vm, one guest CPU for every throughput
# ratio (a 2-CPU TCG guest is erratic, DESIGN.md section 5), two CPUs for
# the parallel workload only. --host pins the same parts to CPU 0 and to
# CPUs 0-1 with taskset. Either way the figures go to bench/results/:
# latest.csv, latest.md (the tables) and latest.png (the ratios).
#
# --reps: repetitions of every figure (default 5). --lines: lines per
# cmdlet measurement (default 5000; bench/cmdlets.ps1's own default is
# 100000, which under TCG takes half an hour). The cmdlets need pwsh on PATH
# (or the pinned .NET tool) and the module built into out/KernelTalk
# (./build.sh Build); without them that part is skipped.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
results=$here/results
kt_vm=$repo/tests/vm/kt-vm
# Room for the memory workload's 1000 rooms (one per device node).
params='max_rooms=2048'

say() { echo "bench: $*" >&2; }
die() { say "$*"; exit 1; }

# One boot's (or one pinned run's) share of the work, into $2.
inside() {
	local part=$1 dir=$2 reps=$3 lines=$4
	mkdir -p "$dir"
	echo "kernel $(uname -r), $(nproc) CPU(s) for $part" >"$dir/system.txt"
	case $part in
	single)
		"$here/kt-bench" -r "$reps" -o "$dir/kt-bench.csv"
		if command -v pwsh >/dev/null && [[ -f $repo/out/KernelTalk/KernelTalk.psd1 ]]; then
			# Steady state from the first item: no tier-0 code being
			# replaced by tier-1 in the middle of a measurement (under
			# TCG that swings a pipeline's rate 10x).
			DOTNET_TieredCompilation=0 pwsh -NoProfile -NonInteractive -File "$here/cmdlets.ps1" \
				-OutFile "$dir/cmdlets.csv" -Count "$lines" -Repetitions "$reps"
		else
			say "cmdlets skipped: needs pwsh on PATH and out/KernelTalk (./build.sh Build)"
		fi
		;;
	parallel) "$here/kt-bench" -r "$reps" -o "$dir/parallel.csv" parallel ;;
	*) die "unknown part $part" ;;
	esac
}

# gnuplot from Debian: installed when root, else named.
need_gnuplot() {
	command -v gnuplot >/dev/null && return 0
	[[ $EUID == 0 ]] || die "gnuplot is missing (run: sudo apt-get install gnuplot-nox)"
	say "installing gnuplot-nox"
	apt-get -q update >&2
	DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends gnuplot-nox >&2
}

# The folder of a pwsh to put on PATH: one on PATH, else the pinned tool's.
pwsh_home() {
	if command -v pwsh >/dev/null; then
		dirname "$(readlink -f "$(command -v pwsh)")"
	elif command -v dotnet >/dev/null; then
		(cd "$repo" && dotnet tool run pwsh -NoProfile -NonInteractive -Command '$PSHOME' 2>/dev/null) | tail -n 1
	fi
}

# kt-vm run, once more if the harness failed (125): under a loaded host the
# guest kernel's early timer check can panic the boot.
vm_run() {
	local rc=0
	"$kt_vm" run "$@" || rc=$?
	if ((rc == 125)); then
		say "kt-vm failed to run the guest (exit 125); trying once more"
		rc=0
		"$kt_vm" run "$@" || rc=$?
	fi
	return "$rc"
}

# ---- report --------------------------------------------------------------

# latest.csv from the parts' CSVs; latest.md and latest.png from it.
report() {
	local csv=$results/latest.csv f
	{
		echo 'kind,workload,case,subject,peer,unit,better,median,min,max,reps'
		for f; do
			[[ -f $f ]] && grep -v '^kind,' "$f"
		done
	} >"$csv"
	markdown "$csv" >"$results/latest.md"
	plot "$csv" "$results/latest.png"
	say "wrote $csv, $results/latest.md, $results/latest.png"
}

markdown() {
	local before=$results/before.csv
	# Without a kept run every "before" is "—".
	[[ -f $before ]] || before=/dev/null
	cat <<EOF
# KernelTalk benchmark: latest run

\`$cmdline\` on $(date -u +%Y-%m-%d); $(cat "$results"/run-*/system.txt 2>/dev/null | paste -sd ';' -).
Every figure: median [min..max] of the repetitions. A ratio is KernelTalk ÷
its peer in the same repetition: above 1 KernelTalk is ahead where higher is
better (rates), below 1 where lower is better (round trips, post cost).

## Ratios

"before": the same ratio in \`results/before.csv\`, the run kept from
before issue 10's fast paths ("—" where that run had no such figure).

| workload | case | KernelTalk | vs | ratio | before | better |
|---|---|---|---|---|---|---|
EOF
	# shellcheck disable=SC2016 # awk program
	local cells='{ for (i = 1; i <= NF; i++) gsub(/\|/, "\\|", $i) }
		function fig() { return $8 == "n/a" ? "n/a" : $8 " [" $9 ".." $10 "]" }'
	# shellcheck disable=SC2016 # awk program
	awk -F, -v before_csv="$before" "$cells"' FILENAME == before_csv { if ($1 == "ratio") before[$2, $3, $4, $5] = fig(); next }
		$1 == "ratio" { b = before[$2, $3, $4, $5]
			print "| " $2 " | " $3 " | " $4 " | " $5 " | " fig() " | " (b == "" ? "—" : b) " | " $7 " |" }' \
		"$before" "$1"
	cat <<'EOF'

## Absolute figures

| workload | case | subject | median [min..max] | unit |
|---|---|---|---|---|
EOF
	awk -F, "$cells"' $1 == "value" { print "| " $2 " | " $3 " | " $4 " | " fig() " | " $6 " |" }' "$1"
}

# Horizontal bars on a log axis from parity (1) to each median ratio, with
# min..max whiskers; the first ratio on top.
plot() {
	local data rows
	data=$(mktemp)
	awk -F, '$1 == "ratio" && $8 != "n/a" {
		label = $2 " " $3 ": " $4 " / " $5 ($7 == "lower" ? " (lower is better)" : "")
		gsub(/"/, "", label)
		printf "%d %s %s %s \"%s\"\n", -n++, $8, $9, $10, label }' "$1" >"$data"
	rows=$(wc -l <"$data")
	gnuplot <<EOF
set terminal pngcairo size 1400,$((160 + 26 * rows)) font ",10"
set output "$2"
set title "KernelTalk ÷ peer in the same repetition: median, whiskers min..max\nright of the red line KernelTalk is ahead; where lower is better (marked), left is ahead"
set logscale x
set xlabel "ratio (log scale)"
set ytics noenhanced nomirror
set yrange [-$rows:1]
set grid xtics
set style fill solid 0.6 border -1
unset key
set arrow from 1, graph 0 to 1, graph 1 nohead lc rgb "#cc3311" lw 2
plot "$data" using (\$2 < 1 ? \$2 : 1):1:(\$2 < 1 ? \$2 : 1):(\$2 < 1 ? 1 : \$2):(\$1 - 0.35):(\$1 + 0.35):ytic(5) \\
	with boxxyerror lc rgb "#4477aa", \\
	"" using 2:1:3:4 with xerrorbars pt 7 ps 0.6 lc rgb "black"
EOF
	rm -f "$data"
}

# ---- main ----------------------------------------------------------------

if [[ ${1-} == --inside ]]; then
	shift
	inside "$@"
	exit
fi

kernel=6.1 reps=5 lines=5000 host=0 cmdline="bench/run.sh${*:+ $*}"
parts=("$results"/run-1cpu/kt-bench.csv "$results"/run-1cpu/cmdlets.csv "$results"/run-2cpu/parallel.csv)
if [[ ${1-} == --report ]]; then
	need_gnuplot
	cmdline=$(cat "$results/run-1cpu/command.txt")
	report "${parts[@]}"
	exit
fi
while (($#)); do
	case $1 in
	--kernel) kernel=${2?}; shift 2 ;;
	--reps) reps=${2?}; shift 2 ;;
	--lines) lines=${2?}; shift 2 ;;
	--host) host=1; shift ;;
	*) sed -n '4,23p' "${BASH_SOURCE[0]}" >&2; exit 2 ;;
	esac
done

need_gnuplot
make -s -C "$here"
rm -rf "$results"/run-*
mkdir -p "$results/run-1cpu"
echo "$cmdline" >"$results/run-1cpu/command.txt"
pshome=$(pwsh_home) || true
[[ -n $pshome ]] && PATH=$pshome:$PATH

if ((host)); then
	[[ -c /dev/kerneltalk ]] || die "/dev/kerneltalk is missing: load the module (insmod lkm/kerneltalk.ko $params)"
	taskset -c 0 "$0" --inside single "$results/run-1cpu" "$reps" "$lines"
	if (($(nproc) > 1)); then
		taskset -c 0,1 "$0" --inside parallel "$results/run-2cpu" "$reps" "$lines"
	else
		say "parallel skipped: one CPU"
	fi
else
	make -s -C "$repo/lkm" KDIR="$("$kt_vm" kdir --kernel "$kernel")"
	share=()
	[[ -n $pshome ]] && share=(--share "$pshome")
	vm_run --kernel "$kernel" --smp 1 --params "$params" --results "$results/run-1cpu" \
		"${share[@]}" --timeout 1500 -- "$0" --inside single "$results/run-1cpu" "$reps" "$lines"
	vm_run --kernel "$kernel" --smp 2 --results "$results/run-2cpu" \
		--timeout 600 -- "$0" --inside parallel "$results/run-2cpu" "$reps" "$lines"
fi
report "${parts[@]}"
