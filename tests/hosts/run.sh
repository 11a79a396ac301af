#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Hosts tier: one room across two machines.  On the host, after ./build.sh
# Build (which publishes out/KernelTalk):
#   tests/hosts/run.sh [RESULTS-DIR]          (default out/test/hosts)
#
# The host runs nats-server (JetStream, store in a temp dir) on a free port
# of its 127.0.0.1 and boots two test VMs at once, hosta and hostb, with
# `kt-vm run --serial-tcp nats=127.0.0.1:PORT`: each guest keeps -nic none
# and reaches the server only through a virtio-serial port, relayed on its
# own 127.0.0.1:PORT (see tests/vm/guest-init.sh).  No IP traffic between
# the guests: all of it is on loopback, the host's and each guest's.
#
# Each guest runs this script as an agent (--agent): the runner here writes
# a case to run into the guest's results dir (do.N, on 9p) and reads back
# its exit status (done.N) and log (N.log); a case runs in its own process
# with a timeout, as in tests/chat/run.sh, whose tmux helpers it shares
# (tests/lib/chat.sh).  The transport is checked first with the NATS text
# protocol spoken by bash (tests/lib/nats.sh), in each guest and from one
# guest to the other; then each guest runs a bridge for room lobby, a chat
# (Enter-KernelTalkChat in tmux) and the C client, and they talk.
#
# Output: `ok N - name` / `not ok N - name # why`, then
# `hosts: N passed, N failed`; exit 0 only if every case passed.
# Environment: KT_HOSTS_CASE_TIMEOUT (seconds per case, default 600),
# KT_PWSH (the pwsh to run; default the first on PATH), KT_HOSTS_CASES
# (the case list to run: tier, default, or bench, see bench/hosts.sh).
#
# The case functions are called by name ("$fn"), which shellcheck cannot see.
# shellcheck disable=SC2317
set -uo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
repo=$(cd "$(dirname "$self")/../.." && pwd)
case_timeout=${KT_HOSTS_CASE_TIMEOUT:-600}
room=lobby
export LC_ALL=C.UTF-8

# shellcheck source=../lib/tier.sh
. "$repo/tests/lib/tier.sh"
# shellcheck source=../lib/chat.sh
. "$repo/tests/lib/chat.sh"
# shellcheck source=../lib/nats.sh
. "$repo/tests/lib/nats.sh"

# --- cases, in a guest (this host is $me, the other $peer) -----------------

case_raw_self() {	# the port carries NATS: INFO, CONNECT/PING/PONG, SUB/PUB/MSG
	nats_connect "$port" "raw-$me" || fail "no NATS greeting through the port (last line: '$nats_line')"
	[[ $nats_info == *'"jetstream":true'* ]] || fail "the server has no JetStream: $nats_info"
	nats_send "SUB kt.hosts.$me 1"
	nats_pub "kt.hosts.$me" "to myself on $me"
	nats_expect 30 "^MSG kt.hosts.$me 1 [0-9]+$" || fail "no MSG back (last line: '$nats_line')"
	[[ $nats_data == "to myself on $me" ]] || fail "MSG payload '$nats_data'"
	nats_close
}

# A responder on its own connection, in the background: answers requests
# on kt.hosts.ping.$me until it has answered COUNT of them.
case_raw_serve() {	# COUNT
	rm -f "$work/serving"
	(
		nats_connect "$port" "serve-$me" || { echo "no connection"; exit 1; }
		# The PONG after SUB: the server has the subscription.
		nats_send "SUB kt.hosts.ping.$me 1" PING
		nats_expect 30 '^PONG$' || exit 1
		touch "$work/serving"
		for ((i = 1; i <= $1; i++)); do
			nats_expect 600 "^MSG kt.hosts.ping.$me 1 ([^ ]+) [0-9]+$" || { echo "request $i never came"; exit 1; }
			nats_pub "${BASH_REMATCH[1]}" "$me got: $nats_data"
		done
		nats_send PING
		nats_expect 30 '^PONG$' && echo "answered $1"
		nats_close
	) >"$work/serve.log" 2>&1 &
	wait_until 120 "the responder did not subscribe: $(cat "$work/serve.log")" test -e "$work/serving"
}

# COUNT requests to the peer's responder, one at a time; prints the round
# trips (guest - host - other guest and back) when COUNT > 1.
case_raw_request() {	# COUNT
	local i t0 all=() sorted
	nats_connect "$port" "request-$me" || fail "no NATS greeting through the port (last line: '$nats_line')"
	nats_send "SUB kt.hosts.reply.$me 1"
	for ((i = 1; i <= $1; i++)); do
		t0=${EPOCHREALTIME/./}
		nats_pub "kt.hosts.ping.$peer" "ping $i from $me" "kt.hosts.reply.$me"
		nats_expect 60 "^MSG kt.hosts.reply.$me 1 [0-9]+$" || fail "no answer to request $i from $peer (last line: '$nats_line')"
		all+=($(((${EPOCHREALTIME/./} - t0) / 1000)))
		[[ $nats_data == "$peer got: ping $i from $me" ]] || fail "answer to request $i: '$nats_data'"
	done
	nats_close
	(($1 > 1)) || return 0
	sorted=$(printf '%s\n' "${all[@]}" | sort -n | tr '\n' ' ')
	read -ra all <<<"$sorted"
	echo "raw NATS round trip $me -> $peer -> $me: median $(((all[($1 - 1) / 2] + all[$1 / 2]) / 2)) ms, min ${all[0]} ms, max ${all[$1 - 1]} ms ($1 requests; all: $sorted)"
}

case_raw_served() {	# the responder answered and left
	wait_until 120 "the responder did not finish: $(cat "$work/serve.log")" grep -q '^answered' "$work/serve.log"
}

# "alice@hosta(pwsh:812) via root(pwsh:77) #3: text" as a bridge posted it.
relayed_from() {	# ORIGIN-COMM
	echo "root@$peer($1:"
}

# The bridge in tmux window "bridge" (tmux started if need be).
start_bridge() {
	if ! tmx has-session -t chat 2>/dev/null; then
		tmx new-session -d -x 160 -y 30 -s chat -n idle || fail "tmux new-session"
		tmx set-option -g history-limit 5000
	fi
	tmx new-window -d -t chat -n bridge -- "$pwsh" -NoLogo -NoProfile -NoExit -Command \
		"Import-Module '$module'; Start-KernelTalkBridge -Room $room -Server nats://127.0.0.1:$port -HostName $me -Verbose" ||
		fail "tmux new-window bridge"
	pane_var bridge pane_pid >"$work/bridge.pid"
}

bridge_relays() {
	wait_until 480 "the bridge does not relay: $(pane bridge)" pane_has bridge "Relaying room '$room' as host '$me'"
}

case_start() {	# a bridge for the room, a chat and the C client
	local w
	start_bridge
	start_pwsh a
	enter_chat a "$room"
	tmx new-window -d -t chat -n c -- "$client" --room "$room" || fail "tmux new-window c"
	pane_var c pane_pid >"$work/c.pid"
	wait_until 60 "the C client did not start: $(pane c)" pane_has c "Ctrl+D leaves"
	bridge_relays
	# The bridge's files are members of the room, its posting one marked as a relay.
	"$client" --room "$room" --who </dev/null |
		awk -v p="$(cat "$work/bridge.pid")" '$2 == p && / \(relay\)$/ { f = 1 } END { exit !f }' ||
		fail "the bridge is no relaying member of $room: $("$client" --room "$room" --who </dev/null 2>&1)"
	for w in bridge a c; do echo "$w=$(cat "$work/$w.pid")"; done >"$KT_RESULTS/pids"
}

# The chat shows its own line from its echo; the C client on a terminal
# does not print its own lines: the room's post count says it went.
case_say() {	# WINDOW TEXT: typed in the chat (a) or the C client (c)
	local posted
	posted=$(room_field "$room" 8)
	type_in "$1" "$2" Enter
	wait_until 60 "$room got no post from window $1: $(cat /proc/kerneltalk)" posted_over "$posted"
	[[ $1 == c ]] && return
	wait_until 60 "window $1 does not show its own \"$2\": $(pane "$1")" pane_has "$1" ": $2"
}

posted_over() {	# N: the room's post count is over N
	(($(room_field "$room" 8) > $1))
}

# Every line of the conversation once in the chat: nothing came back.
case_once() {	# TEXT...
	local t n
	for t; do
		n=$(pane a | grep -cF -- ": $t")
		((n == 1)) || fail "window a shows \"$t\" $n times: $(pane a)"
	done
}

# The peer's line in chat a and in the C client, once, relayed by our
# bridge with the origin the peer's program has there.
case_sees() {	# ORIGIN-COMM ORIGIN-PID TEXT
	local w n want
	want="$(relayed_from "$1")$2) via root(pwsh:$(cat "$work/bridge.pid")) #"
	for w in a c; do
		wait_until 120 "window $w never showed \"$3\": $(pane "$w")" pane_has "$w" ": $3"
		n=$(pane "$w" | grep -F -- "$want" | grep -cF -- ": $3")
		((n == 1)) || fail "window $w shows \"$want...: $3\" $n times: $(pane "$w")"
	done
	echo "window a:"
	pane a | sed '/^$/d'
}

room_empty() {
	(($(room_field "$room" 4) == 0))
}

case_stop() {	# Ctrl+C ends the bridge and the chat; the room is empty
	local w
	type_in a "/quit" Enter
	type_in c "" C-d
	type_in bridge "" C-c
	wait_until 120 "the bridge did not stop: $(pane bridge)" pane_has bridge "PS "
	wait_until 60 "members left in $room: $(cat /proc/kerneltalk)" room_empty
	for w in bridge a; do
		type_in "$w" "exit" Enter
	done
}

# --- bench cases (bench/hosts.sh) ----------------------------------------

case_bridge() {	# the bridge alone
	start_bridge
	bridge_relays
}

case_flood() {	# N: lines posted here as fast as the C client goes
	seq -f "flood %g" 1 "$1" | "$client" --room "$room" >/dev/null || fail "the flood did not post"
}

# Our bridge starts now and posts the N messages the stream holds: the
# rate from its first post to its Nth, the room's post count polled.
case_inbound() {	# N
	local c t1='' t2
	start_bridge
	while :; do
		c=$(room_field "$room" 8)
		((c >= 1)) && [[ -z $t1 ]] && t1=${EPOCHREALTIME/./}
		((c >= $1)) && break
		sleep 0.01
	done
	t2=${EPOCHREALTIME/./}
	echo "inbound through $me's bridge: $(((($1 - 1) * 1000000) / (t2 - t1))) msg/s ($1 messages in $(((t2 - t1) / 1000)) ms, posted from the stream)"
}

# The peer's "ping N" answered with "pong N", COUNT times, in the background.
case_echo() {	# COUNT
	(
		coproc CL { exec "$client" --room "$room"; }
		local line i=0
		while ((i < $1)) && IFS= read -r line <&"${CL[0]}"; do
			[[ $line == *"root@$peer("*": ping "* ]] || continue
			echo "pong ${line##*: ping }" >&"${CL[1]}"
			i=$((i + 1))
		done
		echo "answered $i"
	) >"$work/echo.log" 2>&1 &
	wait_until 60 "the echo client did not join: $(cat /proc/kerneltalk)" echo_joined
}

echo_joined() {	# the bridge's two files and the echo client
	(($(room_field "$room" 4) >= 3))
}

# COUNT pings to the peer's echo, one at a time: the round trip through both
# bridges and the server, in this guest's clock.
case_ping() {	# COUNT
	local i t0 line got all=() sorted
	coproc CL { exec "$client" --room "$room"; }
	for ((i = 1; i <= $1; i++)); do
		t0=${EPOCHREALTIME/./} got=0
		echo "ping $i" >&"${CL[1]}"
		while IFS= read -r -t 60 line <&"${CL[0]}"; do
			[[ $line == *"root@$peer("*": pong $i" ]] && got=1 && break
		done
		((got)) || fail "no pong $i"
		all+=($(((${EPOCHREALTIME/./} - t0) / 1000)))
	done
	sorted=$(printf '%s\n' "${all[@]}" | sort -n | tr '\n' ' ')
	read -ra all <<<"$sorted"
	echo "bridge round trip $me -> $peer -> $me: median $(((all[($1 - 1) / 2] + all[$1 / 2]) / 2)) ms, min ${all[0]} ms, max ${all[$1 - 1]} ms ($1 pings; all: $sorted)"
}

# --- the agent, in a guest (run.sh --agent PORT ME PEER) ------------------

agent() {
	local n=1 t fn args st w
	export KT_HOSTS_PORT=$1 KT_HOSTS_ME=$2 KT_HOSTS_PEER=$3
	pwsh=${KT_PWSH:-$(command -v pwsh)}
	module=$repo/out/KernelTalk/KernelTalk.psd1
	client=$repo/lkm/client/kerneltalk-client
	rm -rf "$work" && mkdir -p "$work"
	if [[ ! -x $client || $client.c -nt $client ]]; then
		client=$work/kerneltalk-client
		gcc -O2 -Wall -Wextra -Werror -I"$repo/lkm/include/uapi" -o "$client" "$repo/lkm/client/kerneltalk-client.c"
	fi
	export KT_HOSTS_PWSH=$pwsh KT_HOSTS_MODULE=$module KT_HOSTS_CLIENT=$client
	echo ready >"$KT_RESULTS/agent.tmp" && mv "$KT_RESULTS/agent.tmp" "$KT_RESULTS/agent.ready"
	while :; do
		if [[ ! -e $KT_RESULTS/do.$n ]]; then
			sleep 0.1
			continue
		fi
		read -r t fn args <"$KT_RESULTS/do.$n"
		[[ $fn == quit ]] && break
		# shellcheck disable=SC2086 # args: words
		timeout -k 5 "$t" "$self" --case "$fn" $args </dev/null >"$KT_RESULTS/$n.log" 2>&1
		st=$?
		if ((st)) && [[ -S $work/tmux.sock ]]; then
			for w in bridge a c; do
				echo "window $w:"
				tmux -S "$work/tmux.sock" capture-pane -p -J -t "chat:$w" 2>/dev/null | sed '/^$/d'
			done >>"$KT_RESULTS/$n.log"
		fi
		echo "$st" >"$KT_RESULTS/done.tmp" && mv "$KT_RESULTS/done.tmp" "$KT_RESULTS/done.$n"
		n=$((n + 1))
	done
	[[ -S $work/tmux.sock ]] && tmux -S "$work/tmux.sock" kill-server 2>/dev/null
	exit 0
}

work=${TMPDIR:-/tmp}/kt-hosts-tier
if [[ ${1-} == --agent ]]; then
	shift
	agent "$@"
fi
if [[ ${1-} == --case ]]; then
	fn=$2
	shift 2
	port=$KT_HOSTS_PORT me=$KT_HOSTS_ME peer=$KT_HOSTS_PEER
	pwsh=$KT_HOSTS_PWSH module=$KT_HOSTS_MODULE client=$KT_HOSTS_CLIENT
	trap '' PIPE
	trap 'exit 143' TERM
	"$fn" "$@"
	exit 0
fi

# --- the runner, on the host ------------------------------------------------

# shellcheck source=../lib/host-tier.sh
. "$repo/tests/lib/host-tier.sh"	# need; passed, failed, n
results=${1:-$repo/out/test/hosts}
tmp='' nats_pid=''
declare -A vm_pid=() seq=([a]=0 [b]=0)

# Each guest: its results dir and log, the host name it has.
gdir() { echo "$results/$1"; }

stop_all() {
	local g
	for g in "${!vm_pid[@]}"; do
		kill "${vm_pid[$g]}" 2>/dev/null
	done
	[[ -z $nats_pid ]] || kill "$nats_pid" 2>/dev/null
	wait 2>/dev/null
	[[ -z $tmp ]] || rm -rf "$tmp"
}

summary() {
	stop_all
	echo "hosts: $passed passed, $failed failed"
	((failed == 0))
	exit
}

bail() {
	n=$((n + 1))
	echo "not ok $n - hosts tier setup # $*"
	failed=$((failed + 1))
	summary
}

# Start case FN with ARGS in guest G; its number is in ${seq[G]}.
remote_start() {	# G FN [ARGS...]
	local g=$1
	shift
	seq[$g]=$((${seq[$g]} + 1))
	echo "$case_timeout $*" >"$(gdir "$g")/do.tmp"
	mv "$(gdir "$g")/do.tmp" "$(gdir "$g")/do.${seq[$g]}"
}

# Wait for guest G's last case; its status (124 timed out, 125 the guest
# is gone).
remote_wait() {	# G
	local g=$1 d end=$((SECONDS + case_timeout + 60))
	d=$(gdir "$g")
	until [[ -e $d/done.${seq[$g]} ]]; do
		kill -0 "${vm_pid[$g]}" 2>/dev/null || { echo "# guest $g is gone: $(tail -n 5 "$d.out")" >"$d/${seq[$g]}.why"; return 125; }
		((SECONDS < end)) || return 124
		sleep 0.2
	done
	return "$(<"$d/done.${seq[$g]}")"
}

# One case: "G|FN ARGS|name", G being a, b or ab (both at once).
run_case() {	# G FN-AND-ARGS NAME
	local who=$1 name=$3 g st bad='' log
	local -a cmd
	read -ra cmd <<<"$2"
	n=$((n + 1))
	for g in a b; do
		[[ $who == *$g* ]] && remote_start "$g" "${cmd[@]}"
	done
	for g in a b; do
		[[ $who == *$g* ]] || continue
		remote_wait "$g"
		st=$?
		log=$(gdir "$g")/${seq[$g]}.log
		((st == 0)) || bad+="${bad:+; }host$g: $(case_why "$st" "$log" "$case_timeout")"
	done
	if [[ -z $bad ]]; then
		echo "ok $n - $name"
		passed=$((passed + 1))
	else
		echo "not ok $n - $name # $bad"
		failed=$((failed + 1))
	fi
	for g in a b; do
		[[ $who == *$g* ]] || continue
		log=$(gdir "$g")/${seq[$g]}.log
		if [[ -z $bad ]]; then
			grep -v '^FAIL' "$log" 2>/dev/null | sed "s/^/# host$g: /"
		else
			cut -c 1-300 "$log" 2>/dev/null | sed "s/^/#   host$g: /"
		fi
	done
	[[ -z $bad ]]
}

# The pid of program W (bridge, a or c) in guest G, from case_start.
pid_of() {	# G W
	sed -n "s/^$2=//p" "$(gdir "$1")/pids" 2>/dev/null
}

# The conversation: each side's chat and C client, relayed both ways.
talk() {
	run_case ab "case_start" "each host: a bridge for $room, a chat and the C client" || return
	run_case a "case_say a hello-from-the-chat-on-hosta" "hosta's chat says a line" &&
		run_case b "case_sees pwsh $(pid_of a a) hello-from-the-chat-on-hosta" \
			"hostb's chat and client show it once, from root@hosta, relayed"
	run_case b "case_say a hello-back-from-hostb" "hostb's chat answers" &&
		run_case a "case_sees pwsh $(pid_of b a) hello-back-from-hostb" \
			"hosta's chat and client show it once, from root@hostb, relayed"
	run_case a "case_say c the-C-client-on-hosta" "hosta's C client says a line" &&
		run_case b "case_sees kerneltalk-clie $(pid_of a c) the-C-client-on-hosta" \
			"hostb's chat and client show it from root@hosta's C client"
	run_case b "case_say c the-C-client-on-hostb" "hostb's C client says a line" &&
		run_case a "case_sees kerneltalk-clie $(pid_of b c) the-C-client-on-hostb" \
			"hosta's chat and client show it from root@hostb's C client"
	run_case ab "case_once hello-from-the-chat-on-hosta hello-back-from-hostb the-C-client-on-hosta the-C-client-on-hostb" \
		"each chat shows each line once: none came back over the bridges"
	run_case ab "case_stop" "Ctrl+C stops each bridge, the rooms empty"
}

# The transport alone, NATS spoken by bash: each guest to itself through
# the server, then a request from one guest answered by the other.
transport() {	# REQUESTS
	run_case ab "case_raw_self" "each guest: NATS through its virtio-serial port (INFO, PONG, MSG)" || return
	run_case a "case_raw_serve $1" "hosta: a responder subscribes" || return
	run_case b "case_raw_request $1" "hostb: $1 request(s) answered by hosta" &&
		run_case a "case_raw_served" "hosta: the responder answered and left (its connection ends)"
}

# On the host: the number of messages in the room's stream (JetStream API).
stream_count() {
	nats_pub "\$JS.API.STREAM.INFO.KT_kerneltalk_2E$room" "" "kt.hosts.bench" &&
		nats_expect 30 '^MSG kt.hosts.bench 1 [0-9]+$' &&
		[[ $nats_data =~ \"state\":\{\"messages\":([0-9]+) ]] &&
		echo "${BASH_REMATCH[1]}"
}

# Figures: the transport's floor, each bridge's rate one way, the round trip.
bench() {	# N
	local c t1='' t2 last moved
	transport 100 || return
	run_case a "case_bridge" "hosta: the bridge relays" || return
	nats_connect "$port" host-bench || bail "the host cannot reach its nats-server"
	nats_send "SUB kt.hosts.bench 1"
	remote_start a case_flood "$1"
	last=0 moved=$SECONDS
	while :; do
		c=$(stream_count) || bail "no stream info: $nats_line $nats_data"
		((c >= 1)) && [[ -z $t1 ]] && t1=${EPOCHREALTIME/./}
		((c >= $1)) && break
		((c == last)) || last=$c moved=$SECONDS
		if ((SECONDS - moved >= 120)); then
			remote_wait a
			remote_start a pane bridge
			remote_wait a
			sed 's/^/# hosta bridge: /' "$(gdir a)/${seq[a]}.log"
			bail "the stream holds $c of $1 messages, none more for 120 s"
		fi
	done
	t2=${EPOCHREALTIME/./}
	nats_close
	echo "# outbound through hosta's bridge: $(((($1 - 1) * 1000000) / (t2 - t1))) msg/s ($1 messages in $(((t2 - t1) / 1000)) ms, counted in the stream on the host)"
	remote_wait a || bail "the flood failed"
	run_case b "case_inbound $1" "hostb: its bridge posts the $1 messages" || return
	run_case b "case_echo 100" "hostb: an echo client joins" || return
	run_case a "case_ping 100" "hosta: 100 pings answered through both bridges"
}

command -v qemu-system-x86_64 >/dev/null || bail "no QEMU (tests/vm/kt-vm setup installs it)"
need nats-server || bail "nats-server missing"
need socat || bail "socat missing"
pwsh=${KT_PWSH:-$(command -v pwsh)}
[[ -x $pwsh ]] || bail "no pwsh (put the pinned pwsh's folder on PATH, as build.ps1 does, or set KT_PWSH)"
[[ -r $repo/out/KernelTalk/KernelTalk.psd1 ]] || bail "no module at out/KernelTalk: run ./build.sh Build first"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/kt-hosts.XXXXXX")
# -p -1: a free port, read back from the log (Debian's own nats-server
# service may hold 4222).
nats-server -js -a 127.0.0.1 -p -1 -sd "$tmp/store" -l "$tmp/nats.log" &
nats_pid=$!
trap 'exit 130' INT
trap 'exit 143' TERM
trap stop_all EXIT
# wait_until fails by exiting: in a subshell here.
(wait_until 30 "" grep -q 'Listening for client connections on 127.0.0.1:' "$tmp/nats.log") 2>/dev/null ||
	bail "nats-server did not start: $(cat "$tmp/nats.log")"
port=$(sed -nE 's/.*Listening for client connections on 127\.0\.0\.1:([0-9]+).*/\1/p' "$tmp/nats.log")
echo "# nats-server $(nats-server --version | awk '{ print $2 }') with JetStream on 127.0.0.1:$port"

start=$SECONDS
for g in a b; do
	peer=$([[ $g == a ]] && echo b || echo a)
	rm -rf "$(gdir "$g")" && mkdir -p "$(gdir "$g")"
	"$repo/tests/vm/kt-vm" run --check-dmesg --results "$(gdir "$g")" --timeout 3600 \
		--share "$(dirname "$pwsh")" --serial-tcp "nats=127.0.0.1:$port" -- \
		"$self" --agent "$port" "host$g" "host$peer" >"$(gdir "$g").out" 2>&1 &
	vm_pid[$g]=$!
done
for g in a b; do
	(wait_until 600 "" test -e "$(gdir "$g")/agent.ready") 2>/dev/null ||
		bail "guest $g did not start its agent: $(tail -n 5 "$(gdir "$g").out")"
done
echo "# both guests up after $((SECONDS - start)) s"

case ${KT_HOSTS_CASES:-tier} in
tier) transport 1 && talk ;;
transport) transport 1 ;;
bench) bench "${KT_HOSTS_FLOOD:-2000}" ;;
*) bail "KT_HOSTS_CASES: tier, transport or bench" ;;
esac

# The guests power off; kt-vm's exit is the dmesg check.
for g in a b; do
	remote_start "$g" quit
done
for g in a b; do
	n=$((n + 1))
	wait "${vm_pid[$g]}"
	st=$?
	unset "vm_pid[$g]"
	if ((st == 0)); then
		echo "ok $n - host$g powered off, dmesg clean"
		passed=$((passed + 1))
	else
		echo "not ok $n - host$g powered off, dmesg clean # kt-vm exit $st"
		tail -n 20 "$(gdir "$g").out" | sed 's/^/#   /'
		failed=$((failed + 1))
	fi
done
echo "# $n cases in $((SECONDS - start)) s"
summary
