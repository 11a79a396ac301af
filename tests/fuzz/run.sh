#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Fuzz tier: kt-fuzz, then Debian's trinity aimed at the device, inside the
# test VM with the module loaded:
#   tests/vm/kt-vm run --smp 2 --check-dmesg -- tests/fuzz/run.sh [kt-fuzz options]
# and, once on the host (installs trinity as root, else names the apt line):
#   tests/fuzz/run.sh setup
#
# KT_FUZZ_SECONDS (default 300) is kt-fuzz's time; KT_TRINITY_SECONDS
# (default 90; 0 skips it) trinity's.  Extra arguments go to kt-fuzz after
# those (--seed S replays a run).  Output: kt-fuzz's lines, then trinity's
# result folded into the same tier line, `fuzz: N passed, N failed`.
set -u

here=$(cd "$(dirname "$0")" && pwd)

if [ "${1:-}" = setup ]; then
	command -v trinity >/dev/null && exit 0
	if [ "$(id -u)" != 0 ]; then
		echo "fuzz: trinity missing (run: sudo apt-get install trinity)" >&2
		exit 1
	fi
	apt-get -q update >&2 &&
		DEBIAN_FRONTEND=noninteractive apt-get -q install -y --no-install-recommends trinity >&2
	exit
fi

bin=$here/kt-fuzz
src=$here/kt-fuzz.c
uapi=$here/../../lkm/include/uapi
work=${TMPDIR:-/tmp}/kt-fuzz-tier

bail() {
	echo "# FAIL $*"
	echo "fuzz: 0 passed, 1 failed"
	exit 1
}

# trinity's processes still there (zombies aside): pid and comm, a line each.
trinity_left() {
	for p in $(pgrep '^trinity'); do
		state=$(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null) || continue
		[ "$state" = Z ] || echo "$p $(cat "/proc/$p/comm" 2>/dev/null)"
	done
}

# Where each of trinity's processes waits: state, wchan, CPU time in user
# and kernel mode (clock ticks), the system call it is in (or -1 and its
# user pc, "running" on a CPU), kernel stack.
trinity_where() {
	trinity_left | while read -r p comm; do
		echo "# trinity process $p ($comm): state $(cut -d' ' -f3 "/proc/$p/stat" 2>/dev/null)," \
			"wchan $(cat "/proc/$p/wchan" 2>/dev/null)," \
			"utime/stime $(cut -d' ' -f14,15 "/proc/$p/stat" 2>/dev/null)," \
			"syscall $(cat "/proc/$p/syscall" 2>/dev/null)"
		sed 's/^/#     /' "/proc/$p/stack" 2>/dev/null
	done
}

# After a late stop: SIGKILL to what is left of trinity; non-zero (and
# where the rest waits) if some of it is still there 10 s on.
trinity_reap() {
	pkill -KILL '^trinity'
	for _ in 1 2 3 4 5 6 7 8 9 10; do
		[ -z "$(trinity_left)" ] && return 0
		sleep 1
	done
	trinity_where
	return 1
}

# The guest sees the host root read-only: a missing or stale binary is
# built into the work dir instead of next to the source.
mkdir -p "$work" || bail "cannot create $work"
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
	bin=$work/kt-fuzz
	gcc -O2 -Wall -Wextra -Werror -I"$uapi" -o "$bin" "$src" || bail "build kt-fuzz: gcc failed"
fi
[ -c /dev/kerneltalk ] || bail "/dev/kerneltalk missing: is the module loaded? (KT_MODULE=${KT_MODULE:-unset})"

"$bin" -d "${KT_FUZZ_SECONDS:-300}" "$@" | tee "$work/kt-fuzz.out"
summary=$(sed -n 's/^fuzz: \([0-9]*\) passed, \([0-9]*\) failed$/\1 \2/p' "$work/kt-fuzz.out")
[ -n "$summary" ] || summary="0 1"
passed=${summary% *}
failed=${summary#* }

# trinity: random system calls, the device its only victim file (its fds:
# the device opened every which way, plus pipes, epoll, eventfd...).  Its
# children run as nobody (-X), so the device is opened to all here; the
# module taints the kernel (out of tree), so only real trouble counts (-T).
# No memfds or test files (tmpfs here): its writes fill them (memfds held
# 780 MB of Shmem in one run), and freeing that page cache as trinity
# exited took 10 s to over 20 s on the KCSAN build (perf:
# filemap_remove_folio under do_exit), a late stop in 4 of 8 runs; the
# device has no splice or sendfile to pair it with them anyway.
secs=${KT_TRINITY_SECONDS:-90}
if [ "$secs" -gt 0 ]; then
	if ! command -v trinity >/dev/null; then
		echo "# FAIL trinity not installed (on the host: tests/fuzz/run.sh setup)"
		failed=$((failed + 1))
	else
		seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
		chmod 0666 /dev/kerneltalk
		# Its blocking calls on the device return: messages keep coming.
		"$bin" --feed -d "$secs" &
		feeder=$!
		echo "# trinity: $secs s, seed $seed (replay: trinity -s $seed ...)"
		start=$(date +%s)
		# Where its processes wait 15 s after the SIGINT, for a late stop.
		(sleep $((secs + 15)) && trinity_where) >"$work/trinity-late.txt" 2>&1 &
		snapshot=$!
		(cd "$work" && timeout -s INT -k 20 "$secs" trinity -q -l off -X -C 4 -s "$seed" \
			-T BAD_PAGE,DIE,WARN,MACHINE_CHECK,USER \
			-V /dev/kerneltalk --disable-fds=sockets,perf,drm,testfile,memfd \
			-c read -c write -c readv -c writev -c pread64 -c pwrite64 \
			-c ioctl -c poll -c ppoll -c select -c epoll_ctl -c epoll_wait \
			-c lseek -c open -c openat -c dup -c dup2 -c fcntl \
			-c mmap -c splice -c sendfile -c fsync -c newfstat) \
			>"$work/trinity.out" 2>&1
		st=$?
		took=$(($(date +%s) - start))
		kill "$snapshot" 2>/dev/null
		wait "$snapshot" 2>/dev/null
		if ! wait "$feeder"; then
			echo "# FAIL kt-fuzz --feed failed (above)"
			failed=$((failed + 1))
		fi
		chmod 0600 /dev/kerneltalk
		calls=$(sed -nE 's/.*Ran ([0-9]+) syscalls.*/\1/p' "$work/trinity.out" | tail -n 1)
		sed 's/^/#   /' "$work/trinity.out" | tail -n 15
		# 124: stopped by timeout, as planned; anything else ended it early,
		# or late (137 after the whole time: still running 20 s after the
		# SIGINT, timeout -k).  A late stop shows where trinity's processes
		# waited 15 s after the SIGINT, and what is left is killed, so that
		# a wait which SIGKILL does not end either is named too.
		if [ "$st" -eq 137 ] && [ "$took" -ge "$secs" ]; then
			echo "# FAIL trinity stopped late: running 20 s after SIGINT, after $took s (seed $seed); 15 s after the SIGINT:"
			cat "$work/trinity-late.txt"
			trinity_reap || echo "# FAIL trinity: processes survive SIGKILL: $(trinity_left | tr '\n' ' ')"
			failed=$((failed + 1))
		elif [ "$st" -ne 124 ] && [ "$st" -ne 0 ]; then
			echo "# FAIL trinity exited with status $st (seed $seed)"
			failed=$((failed + 1))
		elif grep -q 'kernel became tainted' "$work/trinity.out"; then
			echo "# FAIL trinity: the kernel became tainted (seed $seed)"
			failed=$((failed + 1))
		else
			echo "# trinity: ${calls:-?} system calls; stopped $((took - secs)) s after its SIGINT"
			passed=$((passed + 1))
		fi
	fi
fi

echo "fuzz: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
