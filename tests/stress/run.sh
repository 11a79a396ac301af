#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Stress tier entry point, run inside the test VM with the module loaded:
#   tests/vm/kt-vm run --smp 2 --check-dmesg -- tests/stress/run.sh [kt-stress options]
#
# Time budget of the timed scenarios: 30 s, plus a fifth of it for the
# member flood (about 55 s of guest time in all), or KT_STRESS_SECONDS
# when set.  Extra arguments go to kt-stress
# after it, so `run.sh -d 120` runs longer.
set -u

here=$(cd "$(dirname "$0")" && pwd)
bin=$here/kt-stress
src=$here/kt-stress.c
uapi=$here/../../lkm/include/uapi

# The guest sees the host root read-only, so a missing or stale binary is
# built into /tmp instead of next to the source.
if [ ! -x "$bin" ] || [ "$src" -nt "$bin" ]; then
	bin=${TMPDIR:-/tmp}/kt-stress
	if ! gcc -O2 -Wall -Wextra -Werror -pthread -I"$uapi" -o "$bin" "$src"; then
		echo "not ok 1 - build kt-stress # gcc failed"
		echo "stress: 0 passed, 1 failed"
		exit 1
	fi
fi

if [ ! -c /dev/kerneltalk ]; then
	echo "not ok 1 - /dev/kerneltalk present # is the module loaded? (KT_MODULE=${KT_MODULE:-unset})"
	echo "stress: 0 passed, 1 failed"
	exit 1
fi

exec "$bin" -d "${KT_STRESS_SECONDS:-30}" "$@"
