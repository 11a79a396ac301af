#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Bridge tier: Start-KernelTalkBridge through a nats-server (JetStream, store
# on the guest's tmpfs) on the guest's 127.0.0.1, inside the test VM with the
# module loaded, after ./build.sh Build (which publishes out/KernelTalk):
#   tests/vm/kt-vm run --check-dmesg --share $PSHOME -- tests/bridge/run.sh
#   tests/bridge/run.sh setup      (on the host: installs nats-server as root)
#
# Two bridges with different -HostName relay rooms east (host "hostA") and
# west (host "hostB") of the same device over one subject; C clients
# send and read; then two more bridges as thread jobs of one pwsh
# (thread-jobs.ps1), stopped by Stop-Job.  A pwsh start costs 20 s and more
# under TCG, so the tier starts four (the two bridges, the restarted one,
# the thread jobs' pwsh) and waits generously;
# every wait is bounded (wait_until), and a case is a subshell, so a failed
# one does not stop the others.
#
# Output: `ok N - name` / `not ok N - name # why`, the kill-and-restart
# counts, then `bridge: N passed, N failed`.  Environment: KT_PWSH (default
# the first pwsh on PATH), KT_BRIDGE_MODULE (default out/KernelTalk/KernelTalk.psd1).
#
# The case functions are called by name ("$fn"), which shellcheck cannot see.
# shellcheck disable=SC2317
set -uo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
repo=$(cd "$(dirname "$self")/../.." && pwd)
work=${TMPDIR:-/tmp}/kt-bridge-tier
server=nats://127.0.0.1:4222
# One subject for both rooms: east on hostA and west on hostB are "the same room" on two hosts.
subject=kt.tier
export LC_ALL=C.UTF-8

# shellcheck source=../lib/tier.sh
. "$(dirname "$self")/../lib/tier.sh"

if [[ ${1:-} == setup ]]; then
	dpkg-query -W -f='${Status}' nats-server 2>/dev/null | grep -q 'ok installed' && exit 0
	if [[ $EUID != 0 ]]; then
		echo "bridge tier: nats-server missing (run: sudo apt-get install nats-server)" >&2
		exit 1
	fi
	apt-get -q update && DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends nats-server
	exit
fi

# --- helpers ---------------------------------------------------------------

# A bridge in the background, in its own session; NAME.log gets its output.
start_bridge() {	# NAME ROOM HOST
	setsid "$pwsh" -NoLogo -NoProfile -NonInteractive -Command \
		"Import-Module '$module'; Start-KernelTalkBridge -Room $2 -Server $server -Subject $subject -HostName $3 -Verbose" \
		</dev/null >"$work/$1.log" 2>&1 &
	echo $! >"$work/$1.pid"
}

relaying() {	# NAME
	grep -q 'Relaying' "$work/$1.log"
}

wait_relaying() {	# NAME
	wait_until 900 "bridge $1 is not relaying: $(tail -n 5 "$work/$1.log")" relaying "$1"
}

# A reader of ROOM for the whole tier: every message it receives in FILE.
start_reader() {	# ROOM FILE
	setsid "$client" -r "$1" -l 7200 </dev/null >"$2" 2>&1 &
	echo $! >"$2.pid"
}

send() {	# ROOM TEXT...: one message per argument
	printf '%s\n' "${@:2}" | "$client" -r "$1" >/dev/null || fail "cannot send to $1"
}

# PREFIX1 .. PREFIXN, as arguments.
numbered() {	# PREFIX N
	local i
	for ((i = 1; i <= $2; i++)); do printf '%s%d\n' "$1" "$i"; done
}

# How the messages PREFIX1..PREFIXN from ORIGIN (user@host) show in FILE:
# "delivered lost doubled" (each counted once per text).
tally() {	# FILE ORIGIN PREFIX N
	awk -v o="] $2(" -v p="$3" -v n="$4" '
		index($0, o) && match($0, / #[0-9]+: /) { c[substr($0, RSTART + RLENGTH)]++ }
		END {
			d = 0; l = 0; x = 0
			for (i = 1; i <= n; i++) { k = p i; if (c[k] == 0) l++; else d++; if (c[k] > 1) x++ }
			print d, l, x
		}' "$1"
}

# At least MIN of PREFIX1..N from ORIGIN in FILE (a wait_until predicate).
delivered_at_least() {	# FILE ORIGIN PREFIX N MIN
	local d l x
	read -r d l x <<<"$(tally "$1" "$2" "$3" "$4")"
	((d >= $5))
}

shows() {	# FILE ORIGIN TEXT
	grep -F -- "] $2(" "$1" | grep -qE -- " #[0-9]+: $3\$"
}

# Every one of PREFIX1..N from ORIGIN once in FILE, nothing lost or doubled.
exactly_once() {	# FILE ORIGIN PREFIX N
	local d l x
	read -r d l x <<<"$(tally "$@")"
	((d == $4 && l == 0 && x == 0)) || fail "$3*: $d of $4 delivered, $l lost, $x doubled in $1"
}

# ROOM is full: more than half its ring used and no post for 2 s (the filler waits).
full() {	# ROOM
	local p
	p=$(room_field "$1" 8)
	sleep 2
	(($(room_field "$1" 7) > 32768 && $(room_field "$1" 8) == p))
}

# PID is gone, or a zombie nobody reaps (the case's shell that started it has ended).
ended() {	# PID
	[[ ! -e /proc/$1 ]] || grep -q '^[0-9]* (.*) Z ' "/proc/$1/stat" 2>/dev/null
}


# --- cases -----------------------------------------------------------------

case_start() {	# nats-server with JetStream; both bridges connect and relay
	setsid nats-server -a 127.0.0.1 -p 4222 -js -sd "$work/js" </dev/null >"$work/nats.log" 2>&1 &
	echo $! >"$work/nats.pid"
	wait_until 60 "nats-server did not listen: $(tail -n 5 "$work/nats.log")" grep -q 'Server is ready' "$work/nats.log"
	start_reader east "$work/east.out"
	start_reader west "$work/west.out"
	wait_until 300 "the readers did not join: $(cat /proc/kerneltalk "$work/east.out" "$work/west.out")" room_field_at_least west 4 1
	start_bridge a east hostA
	start_bridge b west hostB
	wait_relaying a
	wait_relaying b
	grep -q 'Connected to nats://127.0.0.1:4222' "$work/a.log" || fail "no 'Connected' line: $(cat "$work/a.log")"
}

case_relay() {	# each message once in the other room, with its origin; none comes back
	send east $(numbered e- 10) e-end
	send west $(numbered w- 10) w-end
	wait_until 900 "e-end did not reach west: $(tail -n 3 "$work/west.out")" shows "$work/west.out" root@hostA e-end
	wait_until 900 "w-end did not reach east: $(tail -n 3 "$work/east.out")" shows "$work/east.out" root@hostB w-end
	exactly_once "$work/west.out" root@hostA e- 10
	exactly_once "$work/east.out" root@hostB w- 10
	# The origin claims the sender (the C client), the stamp names the bridge.
	grep -qE '\] root@hostA\(kerneltalk-clie:[0-9]+\) via root\(pwsh:[0-9]+\) #[0-9]+: e-1$' "$work/west.out" ||
		fail "no origin and relayer on e-1: $(grep -F 'e-1' "$work/west.out")"
	# Nothing relayed goes back: east holds its e- lines once, as local ones.
	! grep -qE 'root@host[AB]\(.* #[0-9]+: e-' "$work/east.out" || fail "e- messages came back to east"
	! grep -qE 'root@host[AB]\(.* #[0-9]+: w-' "$work/west.out" || fail "w- messages came back to west"
}

case_kill_restart() {	# SIGKILL a bridge mid-stream, restart it: nothing lost, nothing doubled
	# Few and slow: under TCG on a loaded host each relayed message costs seconds.
	local n=30 da la xa db lb xb
	setsid bash -c "for ((i = 1; i <= $n; i++)); do echo k-a\$i; sleep 0.3; done | '$client' -r east >/dev/null" </dev/null &
	local sa=$!
	setsid bash -c "for ((i = 1; i <= $n; i++)); do echo k-b\$i; sleep 0.3; done | '$client' -r west >/dev/null" </dev/null &
	local sb=$!
	wait_until 900 "the stream did not start" delivered_at_least "$work/west.out" root@hostA k-a "$n" 3
	kill -KILL "$(cat "$work/a.pid")"
	echo "# killed bridge a after $(tally "$work/west.out" root@hostA k-a "$n" | cut -d' ' -f1) k-a messages reached west"
	start_bridge a2 east hostA
	wait_relaying a2
	wait "$sa" "$sb"
	send east k-a-end
	send west k-b-end
	wait_until 1200 "k-a-end did not reach west" shows "$work/west.out" root@hostA k-a-end
	wait_until 1200 "k-b-end did not reach east" shows "$work/east.out" root@hostB k-b-end
	read -r da la xa <<<"$(tally "$work/west.out" root@hostA k-a "$n")"
	read -r db lb xb <<<"$(tally "$work/east.out" root@hostB k-b "$n")"
	echo "# kill-restart east->west (through the killed bridge's publishing): sent $n, delivered $da, lost $la, doubled $xa"
	echo "# kill-restart west->east (through the killed bridge's posting): sent $n, delivered $db, lost $lb, doubled $xb"
	echo "kill-restart: sent $((2 * n)), delivered $((da + db)), lost $((la + lb)), doubled $((xa + xb))" >"$work/counts"
	exactly_once "$work/west.out" root@hostA k-a "$n"
	exactly_once "$work/east.out" root@hostB k-b "$n"
}

case_block() {	# a full BLOCK room holds the stream back, then takes all of it
	local n=10 posted
	# The holder joins west and stops reading; a filler posts until the room is full.
	start_reader west "$work/holder.out"
	wait_until 60 "the holder did not join" room_field_at_least west 4 4
	kill -STOP "$(cat "$work/holder.out.pid")"
	setsid bash -c "head -c 200000 /dev/zero | tr '\\0' f | fold -w 1000 | '$client' -r west >/dev/null" </dev/null &
	local filler=$!
	wait_until 300 "west did not fill: $(cat /proc/kerneltalk)" full west
	kill -KILL -- "-$filler" 2>/dev/null
	posted=$(room_field west 8)
	send east $(numbered bl- "$n") bl-end
	wait_until 300 "bl-end was not posted in east" grep -qE ' #[0-9]+: bl-end$' "$work/east.out"
	sleep 5
	(($(room_field west 8) == posted)) || fail "west took posts while full: $posted -> $(room_field west 8)"
	! shows "$work/west.out" root@hostA bl-1 || fail "bl-1 reached west while it was full"
	kill -CONT "$(cat "$work/holder.out.pid")"
	wait_until 600 "bl-end did not reach west after the holder read" shows "$work/west.out" root@hostA bl-end
	exactly_once "$work/west.out" root@hostA bl- "$n"
	exactly_once "$work/holder.out" root@hostA bl- "$n"
	! grep -q 'overwritten' "$work/b.log" || fail "bridge b lost messages: $(grep overwritten "$work/b.log")"
}

case_sigterm() {	# SIGTERM ends a bridge cleanly: "Bridge stopped", exit 0
	local pid
	pid=$(cat "$work/b.pid")
	kill -TERM "$pid"
	wait_until 120 "bridge b did not end on SIGTERM" ended "$pid"
	grep -q 'Bridge stopped' "$work/b.log" || fail "no 'Bridge stopped': $(tail -n 5 "$work/b.log")"
	[[ ! -r $work/a2.pid ]] || kill -TERM "$(cat "$work/a2.pid")"
}

case_thread_jobs() {	# two bridges as thread jobs of one pwsh relay; Stop-Job ends them
	local n=5
	start_reader tj-east "$work/tj-east.out"
	start_reader tj-west "$work/tj-west.out"
	wait_until 300 "the readers did not join" room_field_at_least tj-west 4 1
	setsid "$pwsh" -NoLogo -NoProfile -NonInteractive -File "$(dirname "$self")/thread-jobs.ps1" \
		-ModulePath "$module" -Server "$server" -Subject kt.tj -StopFile "$work/tj.stop" \
		</dev/null >"$work/tj.log" 2>&1 &
	echo $! >"$work/tj.pid"
	wait_until 900 "hostC is not relaying: $(tail -n 5 "$work/tj.log")" grep -q '^hostC: VERBOSE: Relaying' "$work/tj.log"
	wait_until 900 "hostD is not relaying: $(tail -n 5 "$work/tj.log")" grep -q '^hostD: VERBOSE: Relaying' "$work/tj.log"
	send tj-east $(numbered t- "$n")
	wait_until 900 "t-$n did not reach tj-west: $(tail -n 3 "$work/tj-west.out")" shows "$work/tj-west.out" root@hostC "t-$n"
	exactly_once "$work/tj-west.out" root@hostC t- "$n"
	# Each bridge holds two files of its room (reader and relay writer); stopped, it holds none.
	room_field_is tj-east 4 3 || fail "tj-east has $(room_field tj-east 4) members, not the reader and the bridge's 2"
	touch "$work/tj.stop"
	wait_until 300 "the thread jobs' pwsh did not end: $(tail -n 5 "$work/tj.log")" ended "$(cat "$work/tj.pid")"
	wait "$(cat "$work/tj.pid")" || fail "Stop-Job did not stop both bridges cleanly: $(tail -n 6 "$work/tj.log")"
	room_field_is tj-east 4 1 || fail "tj-east still has $(room_field tj-east 4) members after Stop-Job"
	room_field_is tj-west 4 1 || fail "tj-west still has $(room_field tj-west 4) members after Stop-Job"
}

# --- the runner -----------------------------------------------------------

cases=(
	"case_start|nats-server with JetStream; two bridges connect and relay"
	"case_relay|each message once in the other room with its origin, none back"
	"case_kill_restart|SIGKILL a bridge mid-stream and restart it: 0 lost, 0 doubled"
	"case_block|a full BLOCK room holds the stream back instead of dropping it"
	"case_sigterm|SIGTERM ends a bridge cleanly"
	"case_thread_jobs|two bridges as thread jobs of one pwsh relay; Stop-Job ends them"
)

passed=0
failed=0

cleanup() {
	local f
	for f in "$work"/*.pid; do
		[[ -r $f ]] && kill -KILL -- "-$(cat "$f")" 2>/dev/null
	done
}

summary() {
	cleanup
	[[ -r $work/counts ]] && cat "$work/counts"
	echo "bridge: $passed passed, $failed failed"
	((failed == 0))
	exit
}

bail() {
	echo "not ok 1 - bridge tier setup # $*"
	failed=1
	summary
}

rm -rf "$work"
mkdir -p "$work/js" || bail "cannot create $work"
pwsh=${KT_PWSH:-$(command -v pwsh)}
[[ -x $pwsh ]] || bail "no pwsh (put the pinned pwsh's folder on PATH, as build.ps1 does, or set KT_PWSH)"
module=${KT_BRIDGE_MODULE:-$repo/out/KernelTalk/KernelTalk.psd1}
[[ -r $module ]] || bail "no module at $module: run ./build.sh Build first"
command -v nats-server >/dev/null || bail "nats-server missing: run tests/bridge/run.sh setup on the host (as root)"
client=$repo/lkm/client/kerneltalk-client
src=$repo/lkm/client/kerneltalk-client.c
if [[ ! -x $client || $src -nt $client ]]; then
	client=$work/kerneltalk-client
	gcc -O2 -Wall -Wextra -Werror -I"$repo/lkm/include/uapi" -o "$client" "$src" || bail "cannot build the client (gcc)"
fi
[[ -c /dev/kerneltalk ]] || bail "/dev/kerneltalk missing — is the module loaded?"
# All traffic on loopback, which the guest's init leaves down.
ip link set lo up || bail "cannot bring up lo (ip from iproute2)"
# A full BLOCK room holds writers for good (not overrun after stall_ms): rooms made from now on.
echo 0 >/sys/module/kerneltalk/parameters/stall_ms || bail "cannot set stall_ms"

n=0
for c in "${cases[@]}"; do
	fn=${c%%|*}
	name=${c#*|}
	n=$((n + 1))
	("$fn") >"$work/$n.log" 2>&1
	st=$?
	grep '^# ' "$work/$n.log"
	if ((st == 0)); then
		echo "ok $n - $name"
		passed=$((passed + 1))
	else
		echo "not ok $n - $name # $(case_why "$st" "$work/$n.log" 0)"
		failed=$((failed + 1))
		sed 's/^/#   /' "$work/$n.log" | tail -n 20
	fi
done
for f in a b a2 tj; do
	[[ -r $work/$f.log ]] && { echo "# --- bridge $f:"; tail -n 15 "$work/$f.log" | sed 's/^/#   /'; }
done
summary
