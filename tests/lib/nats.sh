# SPDX-License-Identifier: GPL-2.0
# Sourced by tests/hosts/run.sh and bench/hosts.sh: a NATS client in bash
# that speaks the text protocol itself (INFO, CONNECT, PING/PONG, SUB, PUB,
# MSG), over socat to 127.0.0.1:PORT.  It checks the transport under the
# bridge (in the guest: the virtio-serial relay of kt-vm --serial-tcp), so it
# uses nothing of the bridge's.  One connection at a time (a bash coproc).

# 127.0.0.1:PORT listens (state 0A in /proc/net/tcp) within SECONDS: in
# the guest the relay takes a while to take the next client.
nats_listening() {	# PORT SECONDS
	local hex end=$((${EPOCHREALTIME/./} + $2 * 1000000))
	hex=$(printf '0100007F:%04X' "$1")
	until awk -v a="$hex" '$2 == a && $4 == "0A" { f = 1 } END { exit !f }' /proc/net/tcp; do
		((${EPOCHREALTIME/./} < end)) || return 1
		sleep 0.05
	done
}

# Connect, read the server's INFO (into $nats_info), CONNECT and PING
# until its PONG.
nats_connect() {	# PORT NAME
	nats_listening "$1" 60 || return 1
	coproc NATS { exec socat - TCP:127.0.0.1:"$1"; }
	nats_expect 60 '^INFO \{' || { nats_close; return 1; }
	nats_info=$nats_line
	nats_send "CONNECT {\"verbose\":false,\"pedantic\":false,\"name\":\"$2\",\"lang\":\"bash\",\"version\":\"1\"}" PING
	nats_expect 60 '^PONG$'
}

nats_close() {
	[[ -z ${NATS_PID-} ]] && return 0
	exec {NATS[1]}>&-
	wait "$NATS_PID" 2>/dev/null
	return 0
}

# Each argument one protocol line.
nats_send() {	# LINE...
	printf '%s\r\n' "$@" >&"${NATS[1]}"
}

# Publish DATA (one line, no CR/LF) on SUBJECT [with REPLY subject].
nats_pub() {	# SUBJECT DATA [REPLY]
	nats_send "PUB $1 ${3:+$3 }${#2}" "$2"
}

# Read protocol lines until one matches REGEX (bash =~), answering the
# server's PINGs, for at most SECONDS.  The matching line is in $nats_line;
# for a MSG, its payload (one line) is in $nats_data.
nats_expect() {	# SECONDS REGEX
	local end=$((${EPOCHREALTIME/./} + $1 * 1000000)) left
	nats_line='' nats_data=''
	while :; do
		left=$(((end - ${EPOCHREALTIME/./}) / 1000))
		((left > 0)) || return 1
		IFS= read -r -t "$((left / 1000)).$(printf %03d $((left % 1000)))" nats_line <&"${NATS[0]}" || return 1
		nats_line=${nats_line%$'\r'}
		case $nats_line in
		PING) nats_send PONG; continue ;;
		MSG\ *)
			IFS= read -r -t 10 nats_data <&"${NATS[0]}" || return 1
			nats_data=${nats_data%$'\r'}
			;;
		esac
		[[ $nats_line =~ $2 ]] && return 0
	done
}
