# SPDX-License-Identifier: GPL-2.0
# Sourced by the tiers that run on the host (tests/lint, tests/install):
# TAP-like case lines and the packages a tier needs.  The tier prints
# "NAME: $passed passed, $failed failed" at the end.
passed=0 failed=0 n=0

# One case: "ok N - NAME", or "not ok N - NAME" and OUTPUT as "#" lines.
result() {	# NAME STATUS OUTPUT
	n=$((n + 1))
	if [[ $2 == 0 ]]; then
		passed=$((passed + 1))
		echo "ok $n - $1"
	else
		failed=$((failed + 1))
		echo "not ok $n - $1"
		sed 's/^/#   /' <<<"$3" | head -40
	fi
}

# Installs a missing Debian package as root; otherwise names the apt-get
# line and fails.
need() {	# PACKAGE
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'ok installed' && return 0
	if [[ $EUID != 0 ]]; then
		echo "${0##*/}: missing package $1 (run: sudo apt-get install $1)" >&2
		return 1
	fi
	apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >&2
}
