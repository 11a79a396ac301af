#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Client tier: the C client lkm/client/kerneltalk-client driven from the
# outside, inside the test VM with the module loaded:
#   tests/vm/kt-vm run --check-dmesg -- tests/client/run.sh
#
# Piped clients read their stdin from FIFOs that this script feeds, one post
# at a time, waiting on /proc/kerneltalk (members, posted) instead of fixed
# sleeps; terminal cases run the client in a tmux pane (send-keys,
# capture-pane).  Every case runs as `timeout 20 run.sh --case FUNCTION`, so
# a hang fails that case only; its log is printed as "#" lines on failure.
#
# Output: `ok N - name` / `not ok N - name # why`, then
# `client: N passed, N failed`; exit 0 only if every case passed.
# Environment: KT_CLIENT_CASE_TIMEOUT (seconds per case, default 20),
# KT_CLIENT (client binary to test instead of the repo's).
#
# The case functions are called by name ("$fn"), which shellcheck cannot see.
# shellcheck disable=SC2317
set -uo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
repo=$(cd "$(dirname "$self")/../.." && pwd)
work=${TMPDIR:-/tmp}/kt-client-tier
case_timeout=${KT_CLIENT_CASE_TIMEOUT:-20}
header='name device inode members policy messages used posted dropped owner group mode stall_ms'
export LC_ALL=C

# --- helpers used inside a case --------------------------------------------

# shellcheck source=../lib/tier.sh
. "$(dirname "$self")/../lib/tier.sh"


# A piped client NAME: stdin from the FIFO $dir/NAME.in (kept open here,
# written by say, closed by hang_up), stdout/stderr in $dir/NAME.out/.err.
declare -A pid fd
start_client() {	# NAME CLIENT-ARGS...
	local name=$1 f
	shift
	mkfifo "$dir/$name.in" || fail "mkfifo $dir/$name.in"
	"$client" "$@" <"$dir/$name.in" >"$dir/$name.out" 2>"$dir/$name.err" &
	pid[$name]=$!
	exec {f}>"$dir/$name.in"
	fd[$name]=$f
}

say() {	# NAME TEXT
	printf '%s\n' "$2" >&"${fd[$1]}" ||
		fail "client $1 no longer reads its input: $(cat "$dir/$1.err")"
}

hang_up() {	# NAME: end of its input
	local f=${fd[$1]}
	exec {f}>&-
}

running() {	# PID
	kill -0 "$1" 2>/dev/null
}

not_running() {	# PID
	! running "$1"
}

# Wait (bounded) for client NAME to exit; fail unless its status is 0.
expect_exit0() {	# NAME SECONDS
	local st
	wait_until "$2" "client $1 still running after end of input" not_running "${pid[$1]}"
	wait "${pid[$1]}"
	st=$?
	((st == 0)) || fail "client $1 exited with status $st: $(cat "$dir/$1.err")"
}

# Sequence number(s) of the line "[HH:MM:SS] root(COMM:PID) #SEQ: TEXT".
seq_of() {	# FILE PID TEXT
	sed -nE "s/^\[[0-9]{2}:[0-9]{2}:[0-9]{2}\] root\($comm:$2\) #([0-9]+): $3\$/\1/p" "$1"
}

# The one sequence number of that line; fail when it is missing or repeated.
one_seq() {	# FILE PID TEXT
	local s
	s=$(seq_of "$@")
	[[ -n $s ]] || fail "$1 lacks \"root($comm:$2) #N: $3\"; it has: $(cat "$1")"
	[[ $s != *$'\n'* ]] || fail "$1 shows \"$3\" more than once"
	echo "$s"
}

# tmux on a private socket.
tmx() {
	tmux -S "$dir/tmux.sock" "$@"
}

# Client in a 120x30 tmux pane, stdin a terminal; sets ttypid.  A bash
# wrapper records the client's exit status in $dir/tty.status (tmux's
# #{pane_dead_status} is not always set when the pty closes first).  The
# wrapper catches INT/TERM/HUP so that a Ctrl+C for the client does not end
# it; caught signals are reset to default in the client by exec.
start_tty_client() {	# CLIENT-ARGS...
	local pp
	command -v tmux >/dev/null ||
		fail "tmux not installed (the guest runs host binaries: apt-get install tmux on the host)"
	# shellcheck disable=SC2016
	tmx new-session -d -x 120 -y 30 -s kt -- bash -c \
		'trap : INT TERM HUP; "${@:2}"; echo $? >"$1"; exec sleep 60' \
		wrap "$dir/tty.status" "$client" "$@" ||
		fail "tmux new-session failed"
	pp=$(tmx display-message -p -t kt '#{pane_pid}')
	wait_until 10 "no client under the pane's bash" tty_client_of "$pp"
	wait_until 10 "no banner in the pane" pane_has "Ctrl+D leaves"
}

tty_client_of() {	# PANE-PID: sets ttypid to its child
	ttypid=$(cat "/proc/$1/task/$1/children" 2>/dev/null)
	ttypid=${ttypid%% *}
	[[ -n $ttypid ]]
}

pane() {
	tmx capture-pane -p -t kt
}

pane_has() {	# TEXT
	pane | grep -qF -- "$1"
}

# Fail unless the pane's client exits with status 0 within 10 s.
expect_pane_exit0() {	# WHAT
	local st
	wait_until 10 "client still running after $1" test -s "$dir/tty.status"
	st=$(cat "$dir/tty.status")
	((st == 0)) || fail "client exited with status $st after $1"
}

cleanup_case() {
	local j
	if [[ -S $dir/tmux.sock ]]; then
		echo "pane at the end:"
		pane
		tmx kill-server 2>/dev/null
	fi
	for j in $(jobs -p); do
		kill "$j" 2>/dev/null
	done
}

# --- cases -------------------------------------------------------------------

case_exchange() {	# two clients, one room, three posts
	local r=$tag-lobby a b c who
	start_client a --room "$r" --linger 1
	start_client b --room "$r" --linger 1
	wait_until 10 "clients did not join $r" room_field_at_least "$r" 4 2
	say a "hello from a"
	wait_until 10 "first post missing" room_field_at_least "$r" 8 1
	say b "hello from b"
	wait_until 10 "second post missing" room_field_at_least "$r" 8 2
	say a "bye from a"
	wait_until 10 "third post missing" room_field_at_least "$r" 8 3
	hang_up a
	hang_up b
	expect_exit0 a 10
	expect_exit0 b 10
	for who in a b; do
		a=$(one_seq "$dir/$who.out" "${pid[a]}" "hello from a") || exit 1
		b=$(one_seq "$dir/$who.out" "${pid[b]}" "hello from b") || exit 1
		c=$(one_seq "$dir/$who.out" "${pid[a]}" "bye from a") || exit 1
		((a >= 1 && a < b && b < c)) ||
			fail "client $who: sequence numbers not increasing: $a $b $c"
		(($(wc -l <"$dir/$who.out") == 3)) ||
			fail "client $who printed other lines: $(cat "$dir/$who.out")"
	done
}

case_rooms_apart() {	# clients in different rooms do not see each other
	local red=$tag-red blue=$tag-blue
	start_client r --room "$red" --linger 0.5
	start_client b --room "$blue" --linger 0.5
	wait_until 10 "clients did not join" room_field_at_least "$red" 4 1
	wait_until 10 "clients did not join" room_field_at_least "$blue" 4 1
	say r "for red"
	say b "for blue"
	wait_until 10 "posts missing" room_field_at_least "$red" 8 1
	wait_until 10 "posts missing" room_field_at_least "$blue" 8 1
	hang_up r
	hang_up b
	expect_exit0 r 10
	expect_exit0 b 10
	one_seq "$dir/r.out" "${pid[r]}" "for red" >/dev/null || exit 1
	one_seq "$dir/b.out" "${pid[b]}" "for blue" >/dev/null || exit 1
	! grep -q "for blue" "$dir/r.out" || fail "room $red got blue's post"
	! grep -q "for red" "$dir/b.out" || fail "room $blue got red's post"
}

case_history() {	# --history shows what the room retains; without it, nothing
	local r=$tag-hist s1 s2
	start_client p --room "$r"
	wait_until 10 "poster did not join" room_field_at_least "$r" 4 1
	say p "first words"
	say p "second words"
	hang_up p
	expect_exit0 p 10
	"$client" --room "$r" </dev/null >"$dir/plain.out" 2>&1 ||
		fail "client without --history failed: $(cat "$dir/plain.out")"
	[[ ! -s $dir/plain.out ]] ||
		fail "a new member without --history printed old messages: $(cat "$dir/plain.out")"
	"$client" --room "$r" --history </dev/null >"$dir/h.out" 2>"$dir/h.err" ||
		fail "client --history failed: $(cat "$dir/h.err")"
	# The poster has exited and been reaped: its pid reads 0 (its number
	# may belong to another process by now).
	s1=$(one_seq "$dir/h.out" 0 "first words") || exit 1
	s2=$(one_seq "$dir/h.out" 0 "second words") || exit 1
	((s1 == 1 && s2 == 2)) || fail "history has seq $s1 and $s2, want 1 and 2"
}

case_info() {	# --info: the room's name, members and counters
	local r=$tag-info max
	max=$(cat /sys/module/kerneltalk/parameters/max_msg)
	start_client a --room "$r"
	wait_until 10 "client did not join" room_field_at_least "$r" 4 1
	say a "one"
	wait_until 10 "post missing" room_field_at_least "$r" 8 1
	"$client" --room "$r" --info </dev/null >"$dir/info.out" 2>"$dir/info.err" ||
		fail "--info failed: $(cat "$dir/info.err")"
	grep -qxE "room: +$r" "$dir/info.out" || fail "no room line: $(cat "$dir/info.out")"
	# The lingering client and --info itself.
	grep -qxE "members: +2" "$dir/info.out" || fail "members is not 2: $(cat "$dir/info.out")"
	grep -qxE "policy: +block" "$dir/info.out" || fail "no policy line: $(cat "$dir/info.out")"
	grep -qxE "max_msg: +$max bytes" "$dir/info.out" || fail "max_msg is not $max: $(cat "$dir/info.out")"
	grep -qxE "first_seq: +1" "$dir/info.out" || fail "first_seq is not 1: $(cat "$dir/info.out")"
	grep -qxE "next_seq: +2" "$dir/info.out" || fail "next_seq is not 2: $(cat "$dir/info.out")"
	grep -qxE "posted: +1" "$dir/info.out" || fail "posted is not 1: $(cat "$dir/info.out")"
}

case_list() {	# --list prints /proc/kerneltalk
	local r=$tag-listed
	start_client a --room "$r"
	wait_until 10 "client did not join" room_field_at_least "$r" 4 1
	"$client" --list >"$dir/list.out" 2>"$dir/list.err" ||
		fail "--list failed: $(cat "$dir/list.err")"
	[[ $(head -n 1 "$dir/list.out") == "$header" ]] ||
		fail "first line is not the header: $(head -n 1 "$dir/list.out")"
	grep -qE "^$r - - 1 block 0 0 0 0 0 0 0666 [0-9]+\$" "$dir/list.out" ||
		fail "no line for $r: $(cat "$dir/list.out")"
}

case_tty_own_line() {	# own typed line shown once (the echo), the other's appears
	local r=$tag-tty lines
	start_tty_client --room "$r"
	start_client peer --room "$r" --linger 0.5
	wait_until 10 "clients did not join" room_field_at_least "$r" 4 2
	tmx send-keys -t kt -l "typed in tmux"
	tmx send-keys -t kt Enter
	wait_until 10 "the peer did not get the typed line: $(cat "$dir/peer.out")" \
		grep -qE "root\($comm:$ttypid\) #1: typed in tmux\$" "$dir/peer.out"
	say peer "answer from peer"
	# Posted after the typed line: once it shows, the typed line would have.
	wait_until 10 "the peer's line did not appear in the pane" \
		pane_has "root($comm:${pid[peer]}) #2: answer from peer"
	pane >"$dir/pane.txt"
	lines=$(grep -c "typed in tmux" "$dir/pane.txt")
	((lines == 1)) || fail "typed line shown $lines times: $(cat "$dir/pane.txt")"
	grep -qx "typed in tmux" "$dir/pane.txt" ||
		fail "the terminal echo of the typed line is missing: $(cat "$dir/pane.txt")"
	tmx send-keys -t kt C-d
	expect_pane_exit0 "Ctrl+D"
}

case_tty_ctrl_d() {	# Ctrl+D at the prompt leaves with status 0
	start_tty_client --room "$tag-eof"
	tmx send-keys -t kt C-d
	expect_pane_exit0 "Ctrl+D"
}

case_tty_ctrl_c() {	# Ctrl+C leaves with status 0, even mid-line
	start_tty_client --room "$tag-int"
	tmx send-keys -t kt -l "half a line"
	wait_until 10 "typed text not echoed" pane_has "half a line"
	tmx send-keys -t kt C-c
	expect_pane_exit0 "Ctrl+C"
	(($(room_field "$tag-int" 8) == 0)) || fail "the unfinished line was posted"
}

case_no_device() {
	local st
	"$client" "$dir/no-such-node" </dev/null >"$dir/out" 2>"$dir/err"
	st=$?
	((st != 0)) || fail "exit status 0 for a missing device"
	grep -q "no such device" "$dir/err" || fail "no 'no such device': $(cat "$dir/err")"
	grep -q "insmod" "$dir/err" || fail "no insmod hint: $(cat "$dir/err")"
}

case_no_driver() {	# a char node whose major has no driver
	local maj st
	maj=$(awk '/^Character/ { c = 1; next } /^Block/ { c = 0 } c { print $1 }' /proc/devices |
		awk 'BEGIN { for (m = 234; m <= 254; m++) free[m] = 1 }
		     { delete free[$1] }
		     END { for (m = 234; m <= 254; m++) if (m in free) { print m; exit } }')
	[[ -n $maj ]] || fail "no unused character major in 234..254"
	mknod "$dir/nodriver" c "$maj" 0 || fail "mknod (needs root)"
	"$client" "$dir/nodriver" </dev/null >"$dir/out" 2>"$dir/err"
	st=$?
	((st != 0)) || fail "exit status 0 for a node without driver (major $maj)"
	grep -q "no driver" "$dir/err" || fail "no 'no driver': $(cat "$dir/err")"
}

case_permission() {	# a 0600 root node opened as nobody
	local st
	command -v setpriv >/dev/null || fail "setpriv missing (util-linux)"
	mknod -m 0600 "$dir/private" c "$majmin_major" "$majmin_minor" || fail "mknod (needs root)"
	chmod 0755 "$dir"
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		"$client" "$dir/private" </dev/null >"$dir/out" 2>"$dir/err"
	st=$?
	((st != 0)) || fail "exit status 0 when access is denied"
	grep -q "permission denied" "$dir/err" || fail "no 'permission denied': $(cat "$dir/err")"
	grep -q "mode 0600" "$dir/err" || fail "the node's mode is not named: $(cat "$dir/err")"
	grep -q "group" "$dir/err" || fail "no word on the group: $(cat "$dir/err")"
}

case_create() {	# --create NAME --mode: owned by root, nobody is kept out
	local r=$tag-mine st
	command -v setpriv >/dev/null || fail "setpriv missing (util-linux)"
	start_client a --create "$r" --mode 0600 --linger 1
	wait_until 10 "client did not create $r" room_field_at_least "$r" 4 1
	setpriv --reuid 65534 --regid 65534 --clear-groups -- \
		"$client" --room "$r" </dev/null >"$dir/nobody.out" 2>"$dir/nobody.err"
	st=$?
	((st == 1)) || fail "nobody joined a 0600 room (status $st)"
	grep -q "permission denied" "$dir/nobody.err" ||
		fail "no 'permission denied': $(cat "$dir/nobody.err")"
	"$client" --create "$r" </dev/null >"$dir/again.out" 2>"$dir/again.err"
	st=$?
	((st == 1)) || fail "second --create of $r: status $st"
	grep -q "exists already" "$dir/again.err" || fail "no 'exists already': $(cat "$dir/again.err")"
	# root may join (CAP_DAC_OVERRIDE), and sees the creator's post
	say a "private words"
	wait_until 10 "post missing" room_field_at_least "$r" 8 1
	"$client" --room "$r" --history </dev/null >"$dir/h.out" 2>"$dir/h.err" ||
		fail "root could not join $r: $(cat "$dir/h.err")"
	one_seq "$dir/h.out" "${pid[a]}" "private words" >/dev/null || exit 1
	hang_up a
	expect_exit0 a 10
	# a mode that lets others in, and usage errors
	"$client" --create "$tag-open" --mode 0666 </dev/null >/dev/null 2>"$dir/open.err" ||
		fail "--create --mode 0666 failed: $(cat "$dir/open.err")"
	"$client" --create "$tag-bad" --mode 999 </dev/null >/dev/null 2>"$dir/bad.err"
	st=$?
	((st == 2)) || fail "--mode 999: status $st, want 2"
	grep -q "octal" "$dir/bad.err" || fail "no word on octal: $(cat "$dir/bad.err")"
	"$client" --mode 0600 </dev/null >/dev/null 2>"$dir/alone.err"
	st=$?
	((st == 2)) || fail "--mode without --create: status $st, want 2"
}

case_who() {	# --who lists the members, the caller marked
	local r=$tag-who
	start_client a --room "$r" --linger 1
	start_client b --room "$r" --linger 1
	wait_until 10 "clients did not join $r" room_field_at_least "$r" 4 2
	"$client" --room "$r" --who </dev/null >"$dir/who.out" 2>"$dir/who.err" ||
		fail "--who failed: $(cat "$dir/who.err")"
	head -n 1 "$dir/who.out" | grep -qE '^USER +PID +COMMAND +FLAGS +UNREAD +JOINED$' ||
		fail "no header: $(cat "$dir/who.out")"
	(($(wc -l <"$dir/who.out") == 4)) || fail "not 3 members: $(cat "$dir/who.out")"
	grep -qE "^root +${pid[a]} +kerneltalk-clie +rw- +0 +[0-9:]{8}\$" "$dir/who.out" ||
		fail "no line for a (${pid[a]}): $(cat "$dir/who.out")"
	grep -qE "^root +${pid[b]} +kerneltalk-clie +rw- " "$dir/who.out" ||
		fail "no line for b (${pid[b]}): $(cat "$dir/who.out")"
	(($(grep -c ' (you)$' "$dir/who.out") == 1)) ||
		fail "the caller is not marked once: $(cat "$dir/who.out")"
	tail -n 1 "$dir/who.out" | grep -q ' (you)$' || fail "the caller is not the last to join"
	hang_up a
	hang_up b
	expect_exit0 a 10
	expect_exit0 b 10
}

case_too_long() {	# a line over max_msg is refused, the client goes on
	local r=$tag-long max long st
	max=$(cat /sys/module/kerneltalk/parameters/max_msg)
	long=$((max + 904))	# 5000 with the default 4096
	{
		head -c "$long" /dev/zero | tr '\0' x
		echo
		head -c "$max" /dev/zero | tr '\0' y
		echo
		echo "after the long one"
	} | "$client" --room "$r" --linger 0 >"$dir/out" 2>"$dir/err"
	st=$?
	((st == 0)) || fail "exit status $st: $(cat "$dir/err")"
	grep -q "too long ($long bytes" "$dir/err" || fail "length $long not stated: $(cat "$dir/err")"
	grep -q "limit is $max bytes" "$dir/err" || fail "limit $max not stated: $(cat "$dir/err")"
	(($(grep -c "too long" "$dir/err") == 1)) || fail "more than one error: $(cat "$dir/err")"
	grep -qE "#1: y{$max}\$" "$dir/out" || fail "a line of exactly max_msg bytes was not posted"
	grep -q "#2: after the long one\$" "$dir/out" || fail "the next line was not posted: $(cat "$dir/out")"
	(($(room_field "$r" 8) == 2)) || fail "room has $(room_field "$r" 8) posts, want 2"
}

case_bad_room() {
	local name st
	for name in 'a b' "$(printf 'n%.0s' {1..32})" 'caf'$'\xc3\xa9'; do
		"$client" --room "$name" </dev/null >"$dir/out" 2>"$dir/err"
		st=$?
		((st != 0)) || fail "exit status 0 for room name '$name'"
		grep -q "bad room name" "$dir/err" || fail "no 'bad room name' for '$name': $(cat "$dir/err")"
	done
}

case_control_bytes() {	# control bytes of a raw post are shown escaped
	local node=$dir/node ino want
	mknod -m 0666 "$node" c "$majmin_major" "$majmin_minor" || fail "mknod (needs root)"
	ino=$(stat -c %i "$node")
	start_client r "$node" --linger 0.5
	wait_until 10 "client did not join the node's room" node_members_at_least "$ino" 1
	# One write() (cat; bash's printf writes line by line): ESC sequence,
	# BEL, TAB, an inner newline, DEL.
	printf 'ctl\033[31mred\007 bell\ttab\nline2\177end\n' >"$dir/payload"
	cat "$dir/payload" >"$node" || fail "post to $node"
	wait_until 10 "post missing" node_posted_at_least "$ino" 1
	hang_up r
	expect_exit0 r 10
	want=$(printf '#1: ctl\\x1b[31mred\\x07 bell\ttab\\nline2\\x7fend')
	grep -qF -- "$want" "$dir/r.out" || fail "escaped text missing; got: $(cat -v "$dir/r.out")"
	! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$dir/r.out" ||
		fail "raw control bytes in the output: $(cat -v "$dir/r.out")"
}

# Post TEXT to NODE as a bridge would: KERNELTALK_F_RELAY (0x8, set with
# KERNELTALK_IOC_SET_FLAGS 0x4004c702), then one write() of a struct
# kerneltalk_origin claiming USER@HOST(pwsh:4242), uid 1001, and the text.
post_relayed() {	# NODE USER HOST TEXT
	perl -e '
		my ($node, $user, $host, $text) = @ARGV;
		open(my $f, "+<", $node) or die "open $node: $!\n";
		my $flags = pack("L", 8);
		ioctl($f, 0x4004c702, $flags) or die "F_RELAY: $!\n";
		my $o = pack("L L Q Q L L a64 a32 a16 Q Q", 160, 0,
			     time() * 1e9, 7, 1001, 4242, $host, $user, "pwsh", 0, 0);
		syswrite($f, $o . $text) == 160 + length($text) or die "write: $!\n";
	' "$@"
}

case_relayed() {	# a relayed post: the claimed origin, then the relayer
	local node=$dir/node ino want
	mknod -m 0666 "$node" c "$majmin_major" "$majmin_minor" || fail "mknod (needs root)"
	ino=$(stat -c %i "$node")
	start_client r "$node" --linger 0.5
	wait_until 10 "client did not join the node's room" node_members_at_least "$ino" 1
	post_relayed "$node" alice hostb "hello from hostb" || fail "relayed post"
	post_relayed "$node" "" $'ev\033[2Jil' "no name" || fail "relayed post"
	wait_until 10 "posts missing" node_posted_at_least "$ino" 2
	hang_up r
	expect_exit0 r 10
	grep -qE '^\[[0-9:]{8}\] alice@hostb\(pwsh:4242\) via root\(perl:[0-9]+\) #1: hello from hostb$' "$dir/r.out" ||
		fail "no relayed line for alice@hostb; got: $(cat -v "$dir/r.out")"
	# No user name: the uid; the bridge's strings are escaped like text.
	want='] 1001@ev\x1b[2Jil(pwsh:4242) via root(perl:'
	grep -qF -- "$want" "$dir/r.out" || fail "origin not escaped; got: $(cat -v "$dir/r.out")"
	(($(wc -l <"$dir/r.out") == 2)) || fail "other lines: $(cat -v "$dir/r.out")"
	# --who marks a member that relays, here a file held open with F_RELAY.
	perl -e '
		my ($node, $client) = @ARGV;
		$^F = 255;	# no close-on-exec: the client inherits the file
		open(my $f, "+<", $node) or die "open $node: $!\n";
		my $flags = pack("L", 8);
		ioctl($f, 0x4004c702, $flags) or die "F_RELAY: $!\n";
		exec($client, "--who", $node) or die "exec: $!\n";
	' "$node" "$client" </dev/null >"$dir/who.out" 2>"$dir/who.err" || fail "--who: $(cat "$dir/who.err")"
	grep -qE "^root +[0-9]+ +perl +rw- +0 +[0-9:]{8} \(relay\)\$" "$dir/who.out" ||
		fail "no relay member in --who: $(cat "$dir/who.out")"
	grep -qE "^root .* \(you\)\$" "$dir/who.out" || fail "the client itself is not there: $(cat "$dir/who.out")"
}

default_room_in_use() {
	local ino
	ino=$(stat -c %i /dev/kerneltalk)
	node_members_at_least "$ino" 1
}

node_members_at_least() {	# INODE N
	local v
	v=$(awk -v i="$1" '$1 == "-" && $3 == i { print $4 }' /proc/kerneltalk)
	((${v:-0} >= $2))
}

node_posted_at_least() {	# INODE N
	local v
	v=$(awk -v i="$1" '$1 == "-" && $3 == i { print $8 }' /proc/kerneltalk)
	((${v:-0} >= $2))
}

case_sigterm() {	# SIGTERM while waiting: status 0
	local r=$tag-term st
	start_client a --room "$r"
	wait_until 10 "client did not join" room_field_at_least "$r" 4 1
	kill -TERM "${pid[a]}"
	wait_until 5 "client ignores SIGTERM" not_running "${pid[a]}"
	wait "${pid[a]}"
	st=$?
	((st == 0)) || fail "exit status $st after SIGTERM"
}

case_eof_prompt() {	# end of input with --linger 0: out at once
	local r=$tag-eof t0 ref ms st
	# A client's start and exit alone, as the yardstick (TCG is slow, and
	# other tiers may load the machine).
	t0=${EPOCHREALTIME/./}
	"$client" --room "$r" --info </dev/null >/dev/null 2>&1 || fail "--info failed"
	ref=$(((${EPOCHREALTIME/./} - t0) / 1000))
	t0=${EPOCHREALTIME/./}
	echo "last words" | "$client" --room "$r" --linger 0 >"$dir/out" 2>"$dir/err"
	st=$?
	ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
	((st == 0)) || fail "exit status $st: $(cat "$dir/err")"
	((ms < ref + 1000)) || fail "took $ms ms to leave (a bare start and exit: $ref ms)"
	grep -q "#1: last words\$" "$dir/out" || fail "own piped line not printed: $(cat "$dir/out")"
	echo "took $ms ms, a bare start and exit $ref ms"
}

case_linger() {	# --linger keeps receiving after the end of input
	local r=$tag-linger
	start_client a --room "$r" --linger 3
	wait_until 10 "client did not join" room_field_at_least "$r" 4 1
	hang_up a
	echo "late news" | "$client" --room "$r" >/dev/null 2>"$dir/poster.err" ||
		fail "poster failed: $(cat "$dir/poster.err")"
	expect_exit0 a 10
	grep -q "#1: late news\$" "$dir/a.out" ||
		fail "post after the end of input not shown: $(cat "$dir/a.out")"
}

case_help() {
	"$client" --help >"$dir/out" 2>&1 || fail "--help exit status $?"
	grep -q "^Usage: " "$dir/out" || fail "no usage line: $(cat "$dir/out")"
	grep -q -- "--linger" "$dir/out" || fail "--linger not documented"
}

case_too_many_rooms() {	# fill the module's room table, then one more
	local max have node nodes=() i
	max=$(cat /sys/module/kerneltalk/parameters/max_rooms)
	# Each client first joins the default room of /dev/kerneltalk (open),
	# then its named room: keep the default room in use, so that the last
	# client needs one new slot only.
	start_client d
	wait_until 10 "client did not join the default room" default_room_in_use
	have=$(($(wc -l </proc/kerneltalk) - 1))
	# Fill with default rooms of private nodes: a room with a retained
	# message outlives its members.  Nodes come from doubling a directory
	# with cp -a, posts from builtin echo: a handful of processes in all.
	mkdir -p "$dir/nodes/0" || fail "mkdir"
	mknod "$dir/nodes/0/n" c "$majmin_major" "$majmin_minor" || fail "mknod (needs root)"
	for ((i = 1; (1 << (i - 1)) < max - have; i++)); do
		cp -a "$dir/nodes" "$dir/copy" || fail "copying nodes"
		mv "$dir/copy" "$dir/nodes/$i" || fail "moving nodes"
	done
	shopt -s globstar
	nodes=("$dir"/nodes/**/n)
	((${#nodes[@]} >= max - have)) || fail "only ${#nodes[@]} nodes for $((max - have)) rooms"
	for node in "${nodes[@]:0:max - have}"; do
		echo x >"$node" || fail "post to $node"
	done
	(($(wc -l </proc/kerneltalk) - 1 == max)) ||
		fail "$(($(wc -l </proc/kerneltalk) - 1)) rooms after filling, want $max"
	if echo x | "$client" --room "$tag-onemore" >"$dir/out" 2>"$dir/err"; then
		fail "exit status 0 with $max rooms in use"
	fi
	grep -q "too many rooms" "$dir/err" || fail "no 'too many rooms': $(cat "$dir/err")"
	grep -q "max_rooms" "$dir/err" || fail "max_rooms not named: $(cat "$dir/err")"
}

# --- one case, in its own process (run.sh --case FUNCTION DIR) -----------

if [[ ${1:-} == --case ]]; then
	fn=$2
	dir=$3
	tag=t$(basename "$dir")
	client=$KT_CLIENT_BIN
	comm=$(basename "$client" | cut -c 1-15)
	IFS=: read -r majmin_major majmin_minor </sys/class/misc/kerneltalk/dev
	export majmin_major majmin_minor
	trap '' PIPE
	trap 'exit 143' TERM
	trap cleanup_case EXIT
	"$fn"
	exit 0
fi

# --- the runner -----------------------------------------------------------

cases=(
	"case_exchange|two clients in one room see each other's lines, sender, seq"
	"case_rooms_apart|clients in different rooms do not see each other"
	"case_history|--history shows the room's earlier messages"
	"case_info|--info prints the room's name, members and counters"
	"case_list|--list prints the /proc/kerneltalk listing"
	"case_tty_own_line|terminal: own line shown once, the other's line appears"
	"case_tty_ctrl_d|terminal: Ctrl+D exits with status 0"
	"case_tty_ctrl_c|terminal: Ctrl+C exits with status 0"
	"case_no_device|error: missing device node names the insmod hint"
	"case_no_driver|error: node without driver says so"
	"case_permission|error: permission denied names mode and group"
	"case_too_long|error: too long line states length and limit, client goes on"
	"case_bad_room|error: bad room name, non-zero exit"
	"case_control_bytes|incoming control bytes are shown escaped"
	"case_relayed|relayed messages show the origin claimed and the relayer"
	"case_sigterm|SIGTERM exits with status 0"
	"case_eof_prompt|end of input with --linger 0 exits promptly"
	"case_linger|--linger keeps receiving after end of input"
	"case_help|--help prints the usage"
	"case_create|--create NAME --mode 0600 makes a room nobody else may join"
	"case_who|--who lists the room's members, the caller marked"
	# Last: the filled room table stays until the module is unloaded.
	"case_too_many_rooms|error: too many rooms names max_rooms"
)

passed=0
failed=0

summary() {
	echo "client: $passed passed, $failed failed"
	((failed == 0))
	exit
}

bail() {	# WHY: the tier cannot run at all
	echo "not ok 1 - client tier setup # $*"
	failed=1
	summary
}

rm -rf "$work"
mkdir -p "$work" || bail "cannot create $work"
chmod 0755 "$work"

# The client under test: the built one, or built here when missing or older
# than its source (the guest sees the source tree read-only).
client=${KT_CLIENT:-$repo/lkm/client/kerneltalk-client}
src=$repo/lkm/client/kerneltalk-client.c
if [[ -z ${KT_CLIENT:-} && (! -x $client || $src -nt $client) ]]; then
	client=$work/kerneltalk-client
	gcc -O2 -Wall -Wextra -Werror -I"$repo/lkm/include/uapi" -o "$client" "$src" ||
		bail "cannot build the client (gcc)"
fi
[[ -x $client ]] || bail "no client binary at $client"
# Cases run it as other users, who may not reach into the checkout (it may
# live under a private home): run a copy from the work folder.
if [[ $client != "$work/kerneltalk-client" ]]; then
	install -m 0755 "$client" "$work/kerneltalk-client" || bail "cannot copy the client to $work"
	client=$work/kerneltalk-client
fi
[[ -c /dev/kerneltalk && -r /sys/class/misc/kerneltalk/dev ]] ||
	bail "/dev/kerneltalk missing — is the module loaded? (KT_MODULE=${KT_MODULE:-unset})"
export KT_CLIENT_BIN=$client

start=$SECONDS
times=
n=0
for c in "${cases[@]}"; do
	fn=${c%%|*}
	name=${c#*|}
	n=$((n + 1))
	dir=$work/$n
	mkdir -p "$dir"
	t0=$SECONDS
	timeout -k 5 "$case_timeout" "$self" --case "$fn" "$dir" </dev/null >"$dir/log" 2>&1
	st=$?
	times+=" $n:$((SECONDS - t0))s"
	# A timed-out case may leave its tmux server behind.
	[[ -S $dir/tmux.sock ]] && tmux -S "$dir/tmux.sock" kill-server 2>/dev/null
	if ((st == 0)); then
		echo "ok $n - $name"
		passed=$((passed + 1))
		continue
	fi
	echo "not ok $n - $name # $(case_why "$st" "$dir/log" "$case_timeout")"
	cut -c 1-300 "$dir/log" | sed 's/^/#   /'
	failed=$((failed + 1))
done
echo "# $n cases in $((SECONDS - start)) s (case:seconds$times)"
summary
