#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
#
# Install tiers, on the host, against the VM kernel's headers (no module is
# loaded, nothing of the host's system is changed):
#   tests/install/run.sh install KDIR
#       `make -C lkm install` into a staging root (DESTDIR, INSTALL_MOD_PATH):
#       the files it lays out, depmod's index, and `make uninstall` taking
#       all of it back out.
#   tests/install/run.sh dkms KDIR
#       lkm/dkms.conf under Debian's dkms: add, build against KDIR, remove,
#       in a throwaway DKMS tree (--dkmstree, --sourcetree, --installtree;
#       the signing key dkms makes goes there too): /usr/src and
#       /var/lib/dkms are left as they were.
# Each works on a copy of lkm/, so the tree's own build stays as it is.
# Output: `ok N - name` / `not ok N - name` with "#" lines, then
# `install: N passed, N failed` (or `dkms: ...`); exit 0 only if all passed.
set -uo pipefail

tier=${1:?usage: run.sh install|dkms KDIR}
kdir=${2:?usage: run.sh install|dkms KDIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
export LC_ALL=C

# shellcheck source=../lib/host-tier.sh
. "$repo/tests/lib/host-tier.sh"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
version=$(sed -n 's/^MODULE_VERSION("\([^"]*\)");$/\1/p' "$repo/lkm/kt_main.c")
kver=$(sed -n 's/^#define UTS_RELEASE "\(.*\)"$/\1/p' "$kdir/include/generated/utsrelease.h")

# A clean copy of lkm/ at $work/lkm.
copy_lkm() {
	cp -r "$repo/lkm" "$work/lkm" && make -s -C "$work/lkm" clean KDIR="$kdir" >/dev/null 2>&1
}

# The files under a root, one relative path a line, sorted.
files_under() {	# ROOT
	[[ -d $1 ]] || return 0
	(cd "$1" && find . -type f -printf '%P\n' | sort)
}

# Same as files_under, without the index files depmod writes.
files_but_index() {	# ROOT
	files_under "$1" | grep -v "^lib/modules/$kver/modules\."
}

check() {	# NAME EXPECTED ACTUAL
	result "$1" "$([[ $2 == "$3" ]] && echo 0 || echo 1)" "expected:
$2
actual:
$3"
}

tier_install() {
	local stage=$work/stage modroot=$work/modroot out expected had_group
	copy_lkm || { result "copy of lkm/ builds" 1 ""; return; }
	had_group=$(getent group kerneltalk)

	out=$(make -C "$work/lkm" install KDIR="$kdir" DESTDIR="$stage" 2>&1)
	result "make install DESTDIR=... succeeds" $? "$out"
	expected="etc/udev/rules.d/60-kerneltalk.rules
lib/modules/$kver/updates/kerneltalk.ko
usr/local/bin/kerneltalk-client"
	check "it installs the module, the udev rule and the client, nothing else" "$expected" "$(files_but_index "$stage")"
	check "modes: rule 644, client 755" "644 755" \
		"$(stat -c %a "$stage/etc/udev/rules.d/60-kerneltalk.rules" "$stage/usr/local/bin/kerneltalk-client" | xargs)"
	cmp -s "$repo/lkm/60-kerneltalk.rules" "$stage/etc/udev/rules.d/60-kerneltalk.rules"
	result "the rule is lkm/60-kerneltalk.rules" $? ""
	check "the module carries MODULE_VERSION $version" "$version" \
		"$(modinfo -F version "$stage/lib/modules/$kver/updates/kerneltalk.ko" 2>&1)"
	check "depmod indexed it (modules.dep)" "updates/kerneltalk.ko:" \
		"$(cat "$stage/lib/modules/$kver/modules.dep" 2>&1)"
	check "a staging install creates no group" "$had_group" "$(getent group kerneltalk)"

	out=$(make -C "$work/lkm" uninstall KDIR="$kdir" DESTDIR="$stage" 2>&1)
	result "make uninstall DESTDIR=... succeeds" $? "$out"
	check "uninstall leaves no file but depmod's index" "" "$(files_but_index "$stage")"
	check "depmod forgot it (modules.dep empty)" "" "$(cat "$stage/lib/modules/$kver/modules.dep" 2>&1)"

	rm -rf "$stage"
	out=$(make -C "$work/lkm" install KDIR="$kdir" DESTDIR="$stage" INSTALL_MOD_PATH="$modroot" 2>&1)
	result "make install with INSTALL_MOD_PATH apart from DESTDIR succeeds" $? "$out"
	check "the module goes under INSTALL_MOD_PATH" "lib/modules/$kver/updates/kerneltalk.ko" \
		"$(files_but_index "$modroot")"
	check "the rule and the client under DESTDIR" "etc/udev/rules.d/60-kerneltalk.rules
usr/local/bin/kerneltalk-client" "$(files_under "$stage")"
	out=$(make -C "$work/lkm" uninstall KDIR="$kdir" DESTDIR="$stage" INSTALL_MOD_PATH="$modroot" 2>&1)
	result "make uninstall with INSTALL_MOD_PATH succeeds" $? "$out"
	check "both roots are empty again" "" "$(files_but_index "$modroot"; files_under "$stage")"
}

tier_dkms() {
	local opts before out ko
	need dkms || { result "Debian's dkms is installed" 1 "run: sudo apt-get install dkms"; return; }
	copy_lkm || { result "copy of lkm/ builds" 1 ""; return; }
	mkdir -p "$work/dkms" "$work/src" "$work/installed"
	opts=(--dkmstree "$work/dkms" --sourcetree "$work/src" --installtree "$work/installed")
	# dkms signs what it builds (Debian's kernels want signed modules),
	# making a key pair where these say unless framework.conf names one.
	export mok_signing_key=$work/mok.key mok_certificate=$work/mok.pub
	before=$(ls -A /var/lib/dkms /usr/src 2>&1)
	# Its stderr dropped: under a parent that ignores SIGPIPE (pwsh, as
	# .NET does) dkms's own pipes print "write error: Broken pipe" there.
	dkms_status() { dkms status "${opts[@]}" 2>/dev/null; }

	out=$(dkms add "${opts[@]}" "$work/lkm" 2>&1)
	result "dkms add lkm/" $? "$out"
	check "dkms status: added, version $version from MODULE_VERSION" "kerneltalk/$version: added" \
		"$(dkms_status)"

	out=$(dkms build "${opts[@]}" -m kerneltalk -v "$version" -k "$kver" --kernelsourcedir "$kdir" 2>&1)
	result "dkms build against $kdir" $? "$out"
	check "dkms status: built for $kver" "kerneltalk/$version, $kver, $(uname -m): built" "$(dkms_status)"
	ko=$work/dkms/kerneltalk/$version/$kver/$(uname -m)/module/kerneltalk.ko
	check "the built module is for $kver" "$kver" "$(modinfo -F vermagic "$ko" 2>&1 | cut -d' ' -f1)"

	out=$(dkms remove "${opts[@]}" -m kerneltalk -v "$version" --all 2>&1)
	result "dkms remove --all" $? "$out"
	check "dkms status is empty again" "" "$(dkms_status)"
	check "nothing left in the DKMS tree" "" "$(files_under "$work/dkms")"
	check "/var/lib/dkms and /usr/src are as they were" "$before" "$(ls -A /var/lib/dkms /usr/src 2>&1)"
}

case $tier in
install) tier_install ;;
dkms) tier_dkms ;;
*) echo "usage: run.sh install|dkms KDIR" >&2; exit 2 ;;
esac
echo "$tier: $passed passed, $failed failed"
[[ $failed == 0 ]]
