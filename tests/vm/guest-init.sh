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

# --- virtio-serial ports to host sockets (kt-vm --serial-tcp) ---------------
# QEMU holds one TCP connection to the host's server per port, so a client in
# the guest is one connection there.  A NATS server greets a connection once
# (INFO) and keeps what a client set up on it (subscriptions), so each guest
# client needs a connection of its own: socat relays one client at a time
# (no fork), and when it leaves the relay makes the server drop that
# connection and QEMU connects anew (reconnect=1), greeted afresh.
# The relay keeps the port open throughout (fd 3): closing it would discard
# what the next connection already sent.  The drop: one byte that is no
# protocol operation (one byte, so no part of it can be left over for the
# next connection); the server answers -ERR and closes, so whatever follows
# that line on the port is the next connection's.

# "host_connected: 1" in the port's debugfs file.
host_connected() {	# DEVICE
	grep -qx 'host_connected: 1' "/sys/kernel/debug/virtio-ports/${1##*/}" 2>/dev/null
}

# The port's state in one line, for the relay's log.
port_state() {	# DEVICE
	tr '\n' ' ' <"/sys/kernel/debug/virtio-ports/${1##*/}" 2>/dev/null
}

# Bytes the port has received from the host (counted as they arrive).
port_bytes_in() {	# DEVICE
	sed -n 's/^bytes_received: //p' "/sys/kernel/debug/virtio-ports/${1##*/}"
}

serial_relay() {	# DEVICE PORT
	local dev=$1 port=$2 line st i
	exec 3<>"$dev"
	while :; do
		until host_connected "$dev"; do sleep 0.1; done
		echo "kt-vm: $(date +%T.%N) relaying 127.0.0.1:$port"
		socat TCP-LISTEN:"$port",bind=127.0.0.1,reuseaddr FD:3
		echo "kt-vm: $(date +%T.%N) client left (socat $?): $(port_state "$dev")"
		host_connected "$dev" || continue
		printf X >&3
		# Up to the server's answer (bash reads a device byte by byte).
		while IFS= read -r -t 30 line <&3; do
			[[ $line == "-ERR 'Unknown Protocol Operation'"* ]] && break
		done
		st=$?
		((st == 0)) || echo "kt-vm: no -ERR from the server after the client left (read $st): the next client may see the old connection"
		# Then QEMU sees the close (a read meanwhile would be EOF) and
		# reconnects a second later; the server greets the new connection
		# at once, so its first bytes arriving say it is up.
		st=$(port_bytes_in "$dev")
		for i in $(seq 600); do
			(($(port_bytes_in "$dev") > st)) && break
			sleep 0.1
		done
		echo "kt-vm: $(date +%T.%N) reset: $(port_state "$dev")"
	done
}

if ((${#KT_SERIAL[@]})); then
	ip link set lo up
	mount -t debugfs debugfs /sys/kernel/debug
	# The driver may be built in (debug kernels: no module dir).
	if [[ -n $KT_MODDIR ]]; then
		base=${KT_MODDIR%/lib/modules/*}
		modprobe -d "${base:-/}" -S "$(uname -r)" virtio_console ||
			echo "kt-vm: modprobe virtio_console failed" >>"$ctl/stderr"
	fi
	for s in "${KT_SERIAL[@]}"; do
		dev=''
		for i in $(seq 100); do
			for f in /sys/class/virtio-ports/*/name; do
				[[ $(cat "$f" 2>/dev/null) == "${s%%=*}" ]] && dev=/dev/$(basename "${f%/name}")
			done
			[[ -z $dev || ! -c $dev ]] || break
			sleep 0.1
		done
		if [[ -c $dev ]]; then
			serial_relay "$dev" "${s#*=}" >>"$KT_RESULTS/serial-${s%%=*}.log" 2>&1 &
		else
			echo "kt-vm: no virtio-serial port named ${s%%=*}" >>"$ctl/stderr"
		fi
	done
	# CMD starts once every relay listens (a connection to test that
	# would be a client): 127.0.0.1:PORT in state LISTEN (0A).
	for s in "${KT_SERIAL[@]}"; do
		hex=$(printf '0100007F:%04X' "${s#*=}")
		ok=0
		for i in $(seq 300); do
			awk -v a="$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp && ok=1 && break
			sleep 0.1
		done
		((ok)) || echo "kt-vm: the relay of ${s%%=*} does not listen (host side not connected?)" >>"$ctl/stderr"
	done
fi

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
