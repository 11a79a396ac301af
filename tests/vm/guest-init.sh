#!/bin/bash
# Stage 2 of the kt-vm guest: PID 1 in the host root (read-only 9p), after
# stage 1 (initramfs, see kt-vm) mounted it with tmpfs on /tmp and /run, the
# ktctl share on /run/kt and moved /dev. kt-vm copies this file into ktctl for
# each run; run.env beside it describes the run (declare -p output).
# Results flow back through ktctl: stdout, stderr, status.
set -u
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
ctl=/run/kt
# shellcheck source=/dev/null
. "$ctl/run.env"

finish() {
	dmesg >"$KT_RESULTS/dmesg.txt" 2>/dev/null || dmesg >"$ctl/dmesg.txt"
	echo "$1" >"$ctl/status"
	# PID 1 must not exit (panic); poweroff -f calls reboot(2) directly.
	exec /bin/busybox poweroff -f
}

mount -t proc proc /proc
mount -t sysfs sys /sys
mkdir -p /dev/pts /dev/shm /dev/mqueue
mount -t devpts -o mode=620,ptmxmode=666 devpts /dev/pts
mount -t tmpfs -o mode=1777 shm /dev/shm
mount -t mqueue mqueue /dev/mqueue
# Host dirs the guest would not see (under /tmp or /run), read-only at their
# host paths, outermost first (kt-vm orders them).
for i in "${!KT_SHARES[@]}"; do
	mkdir -p "${KT_SHARES[$i]}" 2>/dev/null
	mount -t 9p -o ro,trans=virtio,version=9p2000.L,msize=262144,cache=loose "kts$i" "${KT_SHARES[$i]}" ||
		echo "kt-vm: cannot mount the share ${KT_SHARES[$i]}" >>"$ctl/stderr"
done
# KT_RESULTS is the host path: mounting at the same path keeps paths that
# tests print meaningful on the host (mkdir only succeeds under /tmp, /run).
mkdir -p "$KT_RESULTS" 2>/dev/null
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 ktresults "$KT_RESULTS" ||
	echo "kt-vm: cannot mount the results share at $KT_RESULTS" >>"$ctl/stderr"
mkdir -p /tmp/home
hostname kt-vm

if [[ -n $KT_MODULE ]]; then
	# KT_PARAMS is split on blanks on purpose: "capacity=4096 max_msg=256".
	# shellcheck disable=SC2086
	if ! err=$(insmod "$KT_MODULE" $KT_PARAMS 2>&1); then
		echo "kt-vm: insmod ${KT_MODULE##*/} $KT_PARAMS failed: $err" >>"$ctl/stderr"
		dmesg | tail -n 5 >>"$ctl/stderr"
		finish 125
	fi
fi

cd "$KT_CWD" 2>/dev/null || {
	echo "kt-vm: $KT_CWD is not visible in the guest; running in /" >>"$ctl/stderr"
	cd /
}
env=(PATH="$KT_PATH" HOME=/tmp/home TERM="$KT_TERM" KT_RESULTS="$KT_RESULTS"
	KT_MODULE="$KT_MODULE" KT_PARAMS="$KT_PARAMS"
	DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1)

if ((KT_INTERACTIVE)); then
	tty=/dev/ttyS0
	# shellcheck disable=SC2086 # "rows R cols C"
	[[ -n $KT_SIZE ]] && stty -F "$tty" $KT_SIZE
	echo "kt-vm: root shell in the VM; type 'exit' to power off (Ctrl-A X kills the VM)" >"$tty"
	# A session with the serial port as controlling tty: job control works.
	# shellcheck disable=SC2094 # the tty is both input and output
	setsid -c -w env -i "${env[@]}" PS1='kt-vm:\w# ' bash --norc -i <"$tty" >"$tty" 2>&1
	finish $?
fi
# Own session: a CMD that signals its process group cannot hit PID 1's.
setsid -w env -i "${env[@]}" "${KT_CMD[@]}" </dev/null >>"$ctl/stdout" 2>>"$ctl/stderr"
finish $?
