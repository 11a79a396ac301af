# SPDX-License-Identifier: GPL-2.0
# Sourced by the tiers that run each case in its own process
# (tests/client/run.sh, tests/chat/run.sh): the helpers of a case and the
# runner's reason for a failed one; and by the runners of other tiers
# (tests/sanitize/run.sh, tests/vm/kmemleak.sh, tests/vm/kunit.sh):
# add_tier_line, end_tier, bail_tier.

# To stderr: also from inside $(...), the case log gets it.
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Poll COMMAND until it succeeds; fail with WHAT after SECONDS.
wait_until() {	# SECONDS WHAT COMMAND...
	local limit=$1 what=$2 end
	shift 2
	end=$((${EPOCHREALTIME/./} + limit * 1000000))
	until "$@"; do
		((${EPOCHREALTIME/./} < end)) || fail "$what (waited ${limit} s)"
		sleep 0.05
	done
}

# Field FIELD of ROOM's line in /proc/kerneltalk (4 members, 7 bytes
# used, 8 posted); 0 when the room is not there.
room_field() {	# ROOM FIELD
	awk -v r="$1" -v f="$2" '$1 == r { print $f; found = 1 }
		END { if (!found) print 0 }' /proc/kerneltalk
}

# Predicates for wait_until, which reruns its command: a "$(...)" among
# its arguments would be expanded once, when the wait starts.
room_field_is() {	# ROOM FIELD VALUE
	(($(room_field "$1" "$2") == $3))
}

room_field_at_least() {	# ROOM FIELD MIN
	(($(room_field "$1" "$2") >= $3))
}

# Why a case failed, in one line: its timeout, or its last FAIL line.
case_why() {	# STATUS LOG TIMEOUT
	local why
	if (($1 == 124 || $1 == 137)); then
		why="timed out after $3 s"
	else
		why=$(grep '^FAIL: ' "$2" | tail -n 1 | cut -c 7-)
		why=${why:-exit status $1}
	fi
	why=${why%%$'\n'*}
	((${#why} <= 200)) || why="${why:0:200}..."
	echo "$why"
}

# Add the counts of the last "NAME: N passed, N failed" line in LOG to
# $passed and $failed; a non-zero STATUS the line does not count adds a
# failure.  NAME defaults to any tier's.  Returns 1 when LOG has no line.
add_tier_line() {	# STATUS LOG [NAME]
	local line p f
	line=$(grep -E "^${3:-[a-z0-9-]+}: [0-9]+ passed, [0-9]+ failed\$" "$2" | tail -n 1)
	[[ -n $line ]] || return 1
	# Here-strings, not <(...): the guest has no /dev/fd.
	read -r p f <<<"$(sed -E 's/^[^:]+: ([0-9]+) passed, ([0-9]+) failed$/\1 \2/' <<<"$line")"
	(($1 == 0 || f > 0)) || f=1
	passed=$((passed + p)) failed=$((failed + f))
}

# The closing line of a runner counting in $passed and $failed, "NAME: N
# passed, N failed"; exits, with status 1 when a case failed.
end_tier() {	# NAME
	echo "$1: $passed passed, $failed failed"
	((failed == 0))
	exit
}

# Ends such a runner early: one more failed case, saying WHY.
bail_tier() {	# NAME WHY...
	local name=$1
	shift
	echo "not ok - $name # $*"
	failed=$((failed + 1))
	end_tier "$name"
}
