#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Chat tier: Enter-KernelTalkChat in a real terminal, inside the test VM with
# the module loaded, after ./build.sh Build (which publishes out/KernelTalk):
#   tests/vm/kt-vm run --check-dmesg -- tests/chat/run.sh
#
# Two chats (real pwsh, each in a tmux window) and the C client (a third
# window) share one room; the cases type with send-keys and read with
# capture-pane, waiting on what the panes show, never on fixed sleeps.  A
# pwsh start costs 2-20 s under TCG, so the chats live in one tmux server
# for the whole tier: the first case starts them and the last one ends
# them; each case is still its own process with a timeout
# (`timeout N run.sh --case FUNCTION`), so a hang fails that case only; its
# log and the panes are printed as "#" lines on failure.
#
# Output: `ok N - name` / `not ok N - name # why`, then
# `chat: N passed, N failed`; exit 0 only if every case passed.
# Environment: KT_CHAT_CASE_TIMEOUT (seconds per case, default 600),
# KT_PWSH (the pwsh to run; default the first on PATH), KT_CHAT_MODULE
# (the module manifest; default out/KernelTalk/KernelTalk.psd1).
#
# The case functions are called by name ("$fn"), which shellcheck cannot see.
# shellcheck disable=SC2317
set -uo pipefail

self=$(cd "$(dirname "$0")" && pwd)/$(basename "$0")
repo=$(cd "$(dirname "$self")/../.." && pwd)
work=${TMPDIR:-/tmp}/kt-chat-tier
case_timeout=${KT_CHAT_CASE_TIMEOUT:-600}
export LC_ALL=C.UTF-8

# --- helpers used inside a case --------------------------------------------

# shellcheck source=../lib/tier.sh
. "$(dirname "$self")/../lib/tier.sh"
# shellcheck source=../lib/chat.sh
. "$(dirname "$self")/../lib/chat.sh"

# "root(pwsh:812) #3: hello": the line of a message from WHO (a, b or c).
line_of() {	# WHO TEXT
	echo "root(${comm[$1]}:$(cat "$work/$1.pid")) #"
}

# The line TEXT from WHO shows exactly once in WINDOW, with a sequence number.
shows_once() {	# WINDOW WHO TEXT
	local n
	n=$(pane "$1" | grep -F -- "$(line_of "$2")" | grep -cF -- ": $3")
	((n == 1)) || fail "window $1 shows \"$(line_of "$2")N: $3\" $n times; pane:"$'\n'"$(pane "$1")"
}

shows() {	# WINDOW WHO TEXT: wait for it, then it must be there once
	wait_until 60 "window $1 never showed $2's \"$3\"" pane_has "$1" ": $3"
	shows_once "$@"
}

declare -A comm=([a]=pwsh [b]=pwsh [c]=kerneltalk-clie)

# Back at the pwsh prompt: it runs commands, the cursor shows, Ctrl+C is
# no longer input, no raw mode is left for the programs pwsh runs.
expect_prompt_back() {	# WINDOW
	local w=$1
	wait_until 60 "window $w: the chat did not end: $(pane "$w")" pane_lacks "$w" "| /help"
	type_in "$w" "stty -a > '$work/$w.stty'; 'ctrlc-input:' + [Console]::TreatControlCAsInput" Enter
	wait_until 60 "window $w: the prompt does not run commands: $(pane "$w")" pane_has "$w" "ctrlc-input:False"
	(($(pane_var "$w" cursor_flag) == 1)) || fail "window $w: cursor left hidden"
	grep -qE '(^| )icanon( |$)' "$work/$w.stty" || fail "window $w: icanon off: $(cat "$work/$w.stty")"
	grep -qE '(^| )echo( |$)' "$work/$w.stty" || fail "window $w: echo off: $(cat "$work/$w.stty")"
}

# --- cases -------------------------------------------------------------------

case_start() {	# two chats and the C client join one room
	local r
	r=$(cat "$work/room")
	command -v tmux >/dev/null || fail "tmux not installed (kt-vm setup installs it)"
	tmx new-session -d -x 120 -y 30 -s chat -n idle || fail "tmux new-session"
	tmx set-option -g history-limit 5000
	start_pwsh a
	start_pwsh b
	enter_chat a "$r"
	enter_chat b "$r"
	tmx new-window -d -t chat -n c -- "$client" --room "$r" || fail "tmux new-window c"
	pane_var c pane_pid >"$work/c.pid"
	wait_until 60 "the C client did not start: $(pane c)" pane_has c "Ctrl+D leaves"
	wait_until 60 "not three members in $r: $(cat /proc/kerneltalk)" room_field_is "$r" 4 3
	wait_until 60 "window a's status line does not say 3 members: $(pane a)" pane_has a "[#$r] 3 members"
}

case_delivery() {	# each line reaches the other two, once, with sender and seq
	type_in a "hello from a" Enter
	shows a a "hello from a"
	shows b a "hello from a"
	shows c a "hello from a"
	type_in b "hello from b" Enter
	shows b b "hello from b"
	shows a b "hello from b"
	shows c b "hello from b"
	type_in c "hello from c" Enter
	shows a c "hello from c"
	shows b c "hello from c"
	# Own line once: not echoed as typed, only read back with its seq.
	(($(pane_count a "hello from a") == 1)) || fail "window a shows its own line more than once: $(pane a)"
	pane_has a "$(line_of a)1: hello from a" || fail "window a's own line lacks seq 1: $(pane a)"
	pane_has a "$(line_of c)3: hello from c" || fail "window a: C's line lacks seq 3: $(pane a)"
	# Colours on a colour terminal (so case_no_color's check can fail).
	tmx capture-pane -p -e -t chat:a | grep -q $'\x1b\\[' || fail "no colours in window a"
	echo "window a after the exchange:"
	pane a | sed '/^$/d'
}

case_half_typed() {	# an arriving message leaves the line being typed intact
	local typed=$'半分 typed e\xcc\x81' want x
	want="> $typed"
	type_in a "$typed"
	wait_until 60 "window a does not show the typed text" pane_has a "$want"
	type_in c "interrupting" Enter
	shows a c "interrupting"
	[[ $(last_line a) == "$want" ]] || fail "input line is now \"$(last_line a)\": $(pane a)"
	# "> " 2, two wide characters 4, " typed " 7, e with a combining accent 1.
	x=$(pane_var a cursor_x)
	((x == 14)) || fail "cursor at column $x after the message, want 14"
	type_in a "" C-u
	wait_until 60 "Ctrl+U did not clear the line: $(last_line a)" last_line_is a ">"
}

case_editing() {	# cursor keys, Ctrl+W and input history change what is posted
	type_in a "world" Home
	type_in a "hello " End
	type_in a " junk" C-w
	type_in a "" Enter
	shows b a "hello world"
	type_in a "" Up
	wait_until 60 "Up did not recall the line: $(last_line a)" last_line_is a "> hello world"
	type_in a "" C-u
}

case_too_long() {	# a line over max_msg is refused whole and not sent
	local r max posted
	r=$(cat "$work/room")
	max=$(cat /sys/module/kerneltalk/parameters/max_msg)
	posted=$(room_field "$r" 8)
	type_in a "$(head -c $((max + 1)) /dev/zero | tr '\0' x)" Enter
	wait_until 60 "no refusal notice: $(pane a)" pane_has a "Not sent: the line is $((max + 1)) bytes, the room's limit (max_msg) is $max bytes"
	(($(room_field "$r" 8) == posted)) || fail "the room got a post: posted $(room_field "$r" 8), was $posted"
	type_in a "" C-u
	type_in a "short again" Enter
	shows b a "short again"
}

case_who() {	# /who lists the three members (KERNELTALK_IOC_MEMBERS)
	type_in a "/who" Enter
	wait_until 60 "no /who answer: $(pane a)" pane_has a "member(s) in"
	pane_has a "3 member(s) in" || fail "/who does not count 3: $(pane a)"
	for who in a b c; do
		pane_has a "(${comm[$who]}:$(cat "$work/$who.pid"))" || fail "/who lacks $who: $(pane a)"
	done
}

case_resize() {	# a smaller window is redrawn: status and input at its bottom
	local rows
	tmx resize-window -t chat:a -x 70 -y 16 || fail "tmux resize-window"
	wait_until 60 "the status line is not on the new second-to-last row: $(pane a)" status_at_bottom a 16
	pane_has a "hello from c" || fail "the recent lines were not repainted: $(pane a)"
	rows=$(tmx capture-pane -p -t chat:a | wc -l)	# not joined: one line a row
	((rows == 16)) || fail "pane has $rows rows"
	# Typing still works after the redraw.
	type_in a "after resize" Enter
	shows b a "after resize"
}

status_at_bottom() {	# WINDOW ROWS
	local -a lines
	# No process substitution: the guest has no /dev/fd.
	mapfile -t lines <<<"$(tmx capture-pane -p -t "chat:$1")"
	((${#lines[@]} >= $2)) || return 1
	[[ ${lines[$2 - 2]} == "[#"*"] 3 members | root | block | /help"* && ${lines[$2 - 1]} == ">"* ]]
}

case_join() {	# /join moves the chat: it no longer sees the old room
	local r
	r=$(cat "$work/room")
	type_in a "/join $r-2" Enter
	wait_until 60 "no join notice: $(pane a)" pane_has a "Now in room '$r-2'."
	wait_until 60 "window a's status line: $(last_line a)" pane_has a "[#$r-2] 1 member"
	type_in b "only for the first room" Enter
	shows c b "only for the first room"
	shows b b "only for the first room"
	pane_lacks a "only for the first room" || fail "window a still gets the old room: $(pane a)"
	type_in a "alone in the second room" Enter
	shows a a "alone in the second room"
	type_in b "after a left" Enter
	shows c b "after a left"
	pane_lacks b "alone in the second room" || fail "window b got a post of the other room"
	pane_lacks c "alone in the second room" || fail "window c got a post of the other room"
}

case_latency() {	# Enter in one chat to the line in the other: median of 20
	type_in a "/join $(cat "$work/room")" Enter
	wait_until 60 "window a did not come back: $(pane a)" pane_has a "[#$(cat "$work/room")] 3 members"
	latency a "chat a to chat b"
	# The yardstick: the same path from the C client (no pwsh sending).
	latency c "C client to chat b"
}

# Median of 20 probes typed in FROM until window b shows them.  Polls
# capture-pane without sleeping, so a reading costs one tmux round trip.
latency() {	# FROM WHAT
	local i t0 ms sorted all=()
	for i in $(seq 1 20); do
		type_in "$1" "$1 latency probe $i"
		wait_until 60 "probe $i not typed in $1" pane_has "$1" "$1 latency probe $i"
		t0=${EPOCHREALTIME/./}
		type_in "$1" "" Enter
		until pane_has b ": $1 latency probe $i"; do
			((${EPOCHREALTIME/./} - t0 < 20000000)) || fail "probe $i from $1 never reached window b"
		done
		ms=$(((${EPOCHREALTIME/./} - t0) / 1000))
		all+=("$ms")
	done
	# No process substitution: the guest has no /dev/fd.
	sorted=$(printf '%s\n' "${all[@]}" | sort -n | tr '\n' ' ')
	read -ra all <<<"$sorted"
	echo "Enter-to-display latency, $2: median $(((all[9] + all[10]) / 2)) ms, min ${all[0]} ms, max ${all[19]} ms (20 probes; all: $sorted)"
}

# The whole pane, its scrollback included (a flood scrolls notices away).
pane_all() {	# WINDOW
	tmx capture-pane -p -J -S - -t "chat:$1"
}

pane_all_has() {	# WINDOW TEXT
	pane_all "$1" | grep -qF -- "$2"
}

# Messages that overfill a room however the allocator sizes them: a
# message costs more than 64 bytes (its kernel record alone does).
overfill() {
	echo $(($(cat /sys/module/kerneltalk/parameters/capacity) / 64 + 16))
}

# A process is held still in a frozen cgroup (v2), not by a stop signal:
# tmux continues a pane's process when it stops, and .NET keeps pwsh from
# stopping on SIGTTIN.
freezer=/sys/fs/cgroup/kt-chat-frozen

freeze() {	# PID
	[[ -e /sys/fs/cgroup/cgroup.procs ]] ||
		mount -t cgroup2 none /sys/fs/cgroup || fail "cannot mount cgroup2"
	mkdir -p "$freezer" || fail "cannot make $freezer"
	echo "$1" >"$freezer/cgroup.procs" || fail "cannot move $1 into $freezer"
	echo 1 >"$freezer/cgroup.freeze" || fail "cannot freeze $freezer"
}

thaw() {	# PID
	echo 0 >"$freezer/cgroup.freeze"
	echo "$1" >/sys/fs/cgroup/cgroup.procs
}

is_frozen() {
	grep -qx 'frozen 1' "$freezer/cgroup.events"
}

back_to_room() {	# WINDOW
	local r
	r=$(cat "$work/room")
	type_in "$1" "" C-u
	type_in "$1" "/join $r" Enter
	wait_until 60 "window $1 did not come back to $r: $(pane "$1")" pane_has "$1" "[#$r] 3 members"
}

case_block_full() {	# BLOCK: a full room is a notice, typing stays live, the lines go later
	local r n holder stall_ms=/sys/module/kerneltalk/parameters/stall_ms stall
	r=$(cat "$work/room")-full
	n=$(overfill)
	stall=$(cat "$stall_ms")
	# The stopped reader may hold the room as long as it likes (0: no
	# bound; a room takes stall_ms when it is made, by the /join below).
	# shellcheck disable=SC2064 # expanded now: the trap runs after the locals are gone
	trap "echo $stall >$stall_ms" EXIT
	echo 0 >"$stall_ms" || fail "cannot set $stall_ms"
	type_in a "/join $r" Enter
	wait_until 60 "no join notice: $(pane a)" pane_has a "Now in room '$r'."
	# The holder: a reader (stdin at its end, lingering) that is stopped.
	"$client" --room "$r" --linger 900 </dev/null >"$work/holder.out" 2>&1 &
	holder=$!
	# shellcheck disable=SC2064
	trap "kill -CONT $holder; kill $holder; echo $stall >$stall_ms" EXIT
	wait_until 60 "the holder did not join $r: $(cat /proc/kerneltalk)" room_field_is "$r" 4 2
	kill -STOP "$holder" || fail "cannot stop the holder"
	# One paste of more lines than the room holds.
	type_in a "$(printf 'fill-%04d\r' $(seq 1 "$n"))"
	wait_until 120 "no room-full notice: $(pane a)" pane_all_has a "The room is full (a reader is behind)"
	wait_until 60 "no waiting count in the status line: $(pane a)" pane_has a "room full:"
	type_in a "still typing"
	wait_until 60 "typing does not echo in a full room: $(last_line a)" last_line_is a "> still typing"
	pane_all_has a ": fill-$n" && fail "fill-$n went out while the room was full"
	kill -CONT "$holder" || fail "cannot continue the holding client"
	wait_until 300 "the waiting lines did not go: $(pane a)" pane_all_has a "waiting line(s) sent"
	wait_until 60 "fill-$n not shown in window a: $(pane a)" pane_all_has a ": fill-$n"
	(($(pane_all a | grep -F -- "$(line_of a)" | grep -cF ": fill-$n") == 1)) ||
		fail "window a does not show its own fill-$n once: $(pane a)"
	wait_until 120 "the holder never got fill-$n" grep -qF ": fill-$n" "$work/holder.out"
	[[ $(last_line a) == "> still typing" ]] || fail "the typed text is gone: $(last_line a)"
	back_to_room a
}

case_overwrite_lost() {	# OVERWRITE: messages lost while the chat was stopped are a notice with the count
	local r n posted kept lost
	r=$(cat "$work/room")-lossy
	n=$(overfill)
	type_in a "/join $r" Enter
	wait_until 60 "no join notice: $(pane a)" pane_has a "Now in room '$r'."
	"$pwsh" -NoLogo -NoProfile -Command "Import-Module '$module'; Connect-KernelTalk -Room '$r' -Policy Overwrite | Disconnect-KernelTalk" </dev/null ||
		fail "cannot set the policy of $r"
	[[ $(room_field "$r" 5) == overwrite ]] || fail "$r is not overwrite: $(cat /proc/kerneltalk)"
	trap 'thaw "$(cat "$work/a.pid")"' EXIT
	freeze "$(cat "$work/a.pid")"
	wait_until 60 "window a's pwsh did not freeze" is_frozen
	printf 'flood-%04d\n' $(seq 1 "$n") | "$client" --room "$r" >/dev/null || fail "the flood did not post"
	posted=$(room_field "$r" 8)
	kept=$(room_field "$r" 6)
	lost=$((posted - kept))
	((posted == n && lost > 0)) || fail "posted $posted, kept $kept of $n"
	thaw "$(cat "$work/a.pid")" || fail "cannot thaw window a's pwsh"
	wait_until 120 "no notice of $lost lost: $(pane a)" pane_all_has a "-- $lost message(s) lost"
	wait_until 60 "flood-$n not shown: $(pane a)" pane_all_has a ": flood-$n"
	pane_all_has a ": flood-$(printf %04d "$lost")" && fail "window a shows a message it lost: $(pane a)"
	pane_all_has a ": flood-$(printf %04d $((lost + 1)))" || fail "window a lacks the oldest kept message"
	back_to_room a
}

case_quit() {	# /quit leaves and restores the terminal
	type_in a "/quit" Enter
	expect_prompt_back a
}

case_ctrl_c() {	# Ctrl+C with a half-typed line leaves, nothing posted
	local r posted
	r=$(cat "$work/room")
	posted=$(room_field "$r" 8)
	type_in b "never sent"
	wait_until 60 "window b does not show the typed text" pane_has b "> never sent"
	type_in b "" C-c
	expect_prompt_back b
	(($(room_field "$r" 8) == posted)) || fail "Ctrl+C posted the half-typed line"
}

case_no_color() {	# NO_COLOR: not one escape sequence on the screen
	local r
	r=$(cat "$work/room")
	type_in a "Clear-Host; \$env:NO_COLOR = '1'; Enter-KernelTalkChat -Room $r -History 3" Enter
	wait_until 120 "the NO_COLOR chat did not start: $(pane a)" pane_has a "Chatting in room '$r'"
	type_in c "plain please" Enter
	shows a c "plain please"
	pane_has a "[#$r] 2 members" || fail "no plain status line: $(pane a)"
	if tmx capture-pane -p -e -t chat:a | grep -q $'\x1b'; then
		fail "escape sequences on a NO_COLOR screen: $(tmx capture-pane -p -e -t chat:a | cat -v)"
	fi
	type_in a "" C-d
	expect_prompt_back a
}

case_redirected() {	# redirected input is refused with a clear error
	local out
	out=$("$pwsh" -NoLogo -NoProfile -Command "Import-Module '$module'; try { Enter-KernelTalkChat } catch { \$_.FullyQualifiedErrorId; \$_.Exception.Message }" </dev/null 2>&1)
	grep -qx "ChatNeedsTerminal,KernelTalk.Commands.EnterKernelTalkChatCommand" <<<"$out" ||
		fail "no ChatNeedsTerminal error: $out"
	grep -qF "Enter-KernelTalkChat needs a terminal, but its input is redirected." <<<"$out" ||
		fail "the message does not say why: $out"
}

case_end() {	# the C client leaves too; the room is empty
	local r
	r=$(cat "$work/room")
	type_in c "" C-d
	wait_until 60 "members left in $r: $(cat /proc/kerneltalk)" room_field_is "$r" 4 0
}

# --- one case, in its own process (run.sh --case FUNCTION DIR) -----------

if [[ ${1:-} == --case ]]; then
	fn=$2
	pwsh=$KT_CHAT_PWSH
	module=$KT_CHAT_MODULE_PATH
	client=$KT_CHAT_CLIENT
	trap '' PIPE
	trap 'exit 143' TERM
	"$fn"
	exit 0
fi

# --- the runner -----------------------------------------------------------

cases=(
	"case_start|two chats and the C client join one room"
	"case_delivery|delivery every way, own line once with its sequence number"
	"case_half_typed|a message arriving leaves a half-typed wide/combining line intact"
	"case_editing|Home/End, Ctrl+W and Up edit and recall the line"
	"case_too_long|a line over max_msg is refused and not sent"
	"case_who|/who lists the members or says the module lacks the call"
	"case_resize|a resized window is redrawn"
	"case_join|/join moves rooms"
	"case_latency|Enter-to-display latency between two chats (median of 20)"
	"case_block_full|BLOCK: a full room is a notice, input stays live, the lines go later"
	"case_overwrite_lost|OVERWRITE: lost messages are a notice with the count"
	"case_quit|/quit leaves with the terminal restored"
	"case_ctrl_c|Ctrl+C leaves mid-line with the terminal restored, nothing posted"
	"case_no_color|NO_COLOR gives no escape codes"
	"case_redirected|redirected input is refused with ChatNeedsTerminal"
	"case_end|the C client leaves, the room is empty"
)

passed=0
failed=0

summary() {
	[[ -S $work/tmux.sock ]] && tmux -S "$work/tmux.sock" kill-server 2>/dev/null
	echo "chat: $passed passed, $failed failed"
	((failed == 0))
	exit
}

bail() {
	echo "not ok 1 - chat tier setup # $*"
	failed=1
	summary
}

rm -rf "$work"
mkdir -p "$work" || bail "cannot create $work"

pwsh=${KT_PWSH:-$(command -v pwsh)}
[[ -x $pwsh ]] || bail "no pwsh (put the pinned pwsh's folder on PATH, as build.ps1 does, or set KT_PWSH)"
module=${KT_CHAT_MODULE:-$repo/out/KernelTalk/KernelTalk.psd1}
[[ -r $module ]] || bail "no module at $module: run ./build.sh Build first"
client=$repo/lkm/client/kerneltalk-client
src=$repo/lkm/client/kerneltalk-client.c
if [[ ! -x $client || $src -nt $client ]]; then
	client=$work/kerneltalk-client
	gcc -O2 -Wall -Wextra -Werror -I"$repo/lkm/include/uapi" -o "$client" "$src" ||
		bail "cannot build the client (gcc)"
fi
[[ -c /dev/kerneltalk ]] || bail "/dev/kerneltalk missing — is the module loaded?"
command -v tmux >/dev/null || bail "tmux not installed (kt-vm setup installs it)"
export KT_CHAT_PWSH=$pwsh KT_CHAT_MODULE_PATH=$module KT_CHAT_CLIENT=$client
echo "chat$$" >"$work/room"

start=$SECONDS
times=
n=0
for c in "${cases[@]}"; do
	fn=${c%%|*}
	name=${c#*|}
	n=$((n + 1))
	t0=$SECONDS
	timeout -k 5 "$case_timeout" "$self" --case "$fn" </dev/null >"$work/$n.log" 2>&1
	st=$?
	times+=" $n:$((SECONDS - t0))s"
	if ((st == 0)); then
		echo "ok $n - $name"
		grep -v '^FAIL' "$work/$n.log" | sed 's/^/# /'
		passed=$((passed + 1))
		continue
	fi
	echo "not ok $n - $name # $(case_why "$st" "$work/$n.log" "$case_timeout")"
	cut -c 1-300 "$work/$n.log" | sed 's/^/#   /'
	for w in a b c; do
		echo "#   window $w:"
		tmux -S "$work/tmux.sock" capture-pane -p -J -t "chat:$w" 2>/dev/null | sed 's/^/#     /'
	done
	failed=$((failed + 1))
	# Without the chats, the cases after the first cannot run.
	if [[ $fn == case_start ]]; then
		break
	fi
done
echo "# $n cases in $((SECONDS - start)) s (case:seconds$times)"
summary
