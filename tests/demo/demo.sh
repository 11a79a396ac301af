#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# KernelTalk demo, run inside the test VM with the module loaded:
#   tests/vm/kt-vm run -- tests/demo/demo.sh        (what ./build.sh Demo does)
#
# Four users chat through /dev/kerneltalk with the C client: alice and bob
# in room "lobby", carol and dave in room "dev".  Each client reads its
# lines from a FIFO that this script feeds in a fixed order (waiting for
# each post to land before the next), so the conversation is the same on
# every run.  Then each user's screen is shown, a late joiner reads the
# lobby's history, and the room list is printed.  Last, PowerShell takes
# part through the cmdlets (demo.ps1).
set -u

here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
work=/tmp/kt-demo

heading() {
	printf '\n==== %s ====\n' "$*"
}

die() {
	echo "demo: $*" >&2
	exit 1
}

# The guest's root is the host's, read-only: names for the demo users come
# from a copy of /etc/passwd bind-mounted in a private mount namespace, so
# nothing outside this script sees them.
if [ -z "${KT_DEMO_NS:-}" ] && command -v unshare >/dev/null &&
   [ "$(id -u)" = 0 ]; then
	KT_DEMO_NS=1 exec unshare --mount --propagation private "$0" "$@"
fi

[ -c /dev/kerneltalk ] ||
	die "/dev/kerneltalk missing — is the kerneltalk module loaded? (sudo insmod lkm/kerneltalk.ko)"

rm -rf "$work"
mkdir -p "$work/bin" || die "cannot create $work"
chmod 755 "$work" "$work/bin"

# The client: the built one, or built here into /tmp when missing or stale
# (the source tree may be read-only).
client=$repo/lkm/client/kerneltalk-client
src=$repo/lkm/client/kerneltalk-client.c
if [ ! -x "$client" ] || [ "$src" -nt "$client" ]; then
	client=$work/bin/kerneltalk-client
	gcc -O2 -Wall -Wextra -Werror -I"$repo/lkm/include/uapi" -o "$client" "$src" ||
		die "cannot build the client (gcc)"
fi
# A copy in /tmp: the demo users may not reach into the checkout (it may
# live under a private home).  The kernel stamps each message with the
# process name: "kt-chat" reads better than "kerneltalk-clie" (comm is cut
# at 15 characters).
install -m 0755 "$client" "$work/bin/kt-chat" || die "cannot copy the client to $work/bin"
chat=$work/bin/kt-chat

declare -A uid=([alice]=2001 [bob]=2002 [carol]=2003 [dave]=2004 [eve]=2005)
declare -A room=([alice]=lobby [bob]=lobby [carol]=dev [dave]=dev)
users=(alice bob carol dave)

named=no
if [ -n "${KT_DEMO_NS:-}" ]; then
	cp /etc/passwd "$work/passwd"
	for u in "${!uid[@]}"; do
		echo "$u:x:${uid[$u]}:${uid[$u]}:KernelTalk demo:/tmp:/bin/sh" >>"$work/passwd"
	done
	mount --bind "$work/passwd" /etc/passwd 2>/dev/null && named=yes
fi
[ $named = yes ] ||
	echo "(no private /etc/passwd: senders show as uid numbers)"

# Run a command as a demo user when setpriv can switch uids.
as_user() {
	local u=$1
	shift
	if command -v setpriv >/dev/null && [ "$(id -u)" = 0 ]; then
		setpriv --reuid="${uid[$u]}" --regid="${uid[$u]}" --clear-groups -- "$@"
	else
		"$@"
	fi
}

# Field of a room's line in /proc/kerneltalk (4 members, 8 posted).
room_field() {
	awk -v r="$1" -v f="$2" '$1 == r { print $f; found = 1 } END { if (!found) print 0 }' \
		/proc/kerneltalk
}

wait_for() {	# ROOM FIELD VALUE
	local i
	for i in $(seq 1 200); do
		[ "$(room_field "$1" "$2")" -ge "$3" ] 2>/dev/null && return 0
		sleep 0.05
	done
	echo "demo: room $1 never reached $2 >= $3" >&2
	return 1
}

heading "KernelTalk demo: alice and bob in room 'lobby', carol and dave in room 'dev'"
echo "client: $chat -> $client"
echo "module parameters:"
for p in /sys/module/kerneltalk/parameters/*; do
	[ -r "$p" ] && printf '  %s=%s\n' "${p##*/}" "$(cat "$p")"
done

# Start the four clients, each reading a FIFO that we feed below.
declare -A fd pid
for u in "${users[@]}"; do
	mkfifo -m 0644 "$work/$u.in"
	as_user "$u" "$chat" --room "${room[$u]}" --linger 1 \
		<"$work/$u.in" >"$work/$u.screen" 2>&1 &
	pid[$u]=$!
	exec {f}>"$work/$u.in"
	fd[$u]=$f
done
wait_for lobby 4 2 && wait_for dev 4 2 || die "clients did not join"

# The conversation: each line waits until the previous post is in the room.
say() {	# USER TEXT
	local u=$1 r=${room[$1]} before
	before=$(room_field "$r" 8)
	printf '%s\n' "$2" >&"${fd[$u]}"
	wait_for "$r" 8 $((before + 1))
}

say alice "hi bob, did /dev/kerneltalk show up on your box?"
say bob   "yes, right after insmod, with mode 0666 from the driver"
say carol "dave: the stress tier passed on 2 CPUs"
say alice "nice. every message here has a sequence number, see?"
say dave  "and dmesg? any WARNING or lockdep splat?"
say carol "none. zero lost, zero torn under BLOCK"
say bob   "and the names come from the kernel's uid stamp, not from us"
# Too long for one message: the client refuses it and says why.
printf '%s\n' "$(head -c 5000 /dev/zero | tr '\0' x)" >&"${fd[dave]}"
sleep 0.3
say dave  "ok, ship it"
say alice "bye for now"

# End of input: each client keeps listening for --linger seconds, then exits.
for u in "${users[@]}"; do
	eval "exec ${fd[$u]}>&-"
done
for u in "${users[@]}"; do
	wait "${pid[$u]}" || echo "demo: $u's client exited with status $?" >&2
done

for u in "${users[@]}"; do
	heading "$u's screen (uid ${uid[$u]}, room ${room[$u]})"
	cat "$work/$u.screen"
done

heading "eve joins 'lobby' later and reads its history (--history)"
as_user eve "$chat" --room lobby --history --linger 0.5 </dev/null 2>&1

heading "kt-chat --room lobby --info"
"$chat" --room lobby --info

heading "cat /proc/kerneltalk"
cat /proc/kerneltalk
echo
echo "(Format of a line on a screen: [time] user(process:pid) #sequence-number: text)"

# The same rooms from PowerShell (./build.sh puts its pwsh on PATH).
heading "PowerShell: Import-Module ./KernelTalk.psd1"
if command -v pwsh >/dev/null && [ -f "$repo/out/KernelTalk/KernelTalk.psd1" ]; then
	pwsh -NoProfile -NonInteractive -File "$here/demo.ps1" 2>&1
else
	echo "demo: no pwsh on PATH or no built module (run ./build.sh Build)"
fi
