#!/usr/bin/env bash
# Kernel-side lint tier: the module must build W=1 without warnings, and be
# sparse and `checkpatch.pl --strict` clean.  checkpatch comes from Debian's
# linux-source tarball (the headers packages do not ship it); the three
# files it needs are extracted once into the cache.
#   tests/lint/kernel-lint.sh KDIR
set -uo pipefail

kdir=${1:?usage: kernel-lint.sh KDIR}
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kerneltalk/checkpatch
# shellcheck source=../lib/host-tier.sh
. "$repo/tests/lib/host-tier.sh"

checkpatch() {
	local tarball
	if [[ ! -x $cache/scripts/checkpatch.pl ]]; then
		need linux-source-6.1 || return 1
		tarball=$(ls /usr/src/linux-source-6.1.tar.xz) || return 1
		mkdir -p "$cache"
		tar -xJf "$tarball" -C "$cache" --strip-components=1 \
			--wildcards '*/scripts/checkpatch.pl' '*/scripts/spelling.txt' \
			'*/scripts/const_structs.checkpatch' || return 1
	fi
	"$cache/scripts/checkpatch.pl" --strict --no-tree --terse --show-types \
		--ignore FILE_PATH_CHANGES -f "$@"
}

build=$(mktemp -d)
trap 'rm -rf "$build"' EXIT
# Build a copy so lint never disturbs the tree's own build products.
cp -r "$repo/lkm/." "$build/"
make -s -C "$build" clean KDIR="$kdir" >/dev/null 2>&1
out=$(make -s -C "$build" module KDIR="$kdir" W=1 2>&1 | grep -E 'warning|error')
result "module builds with W=1 and no warnings" "$([[ -z $out ]] && echo 0 || echo 1)" "$out"

if need sparse; then
	out=$(make -s -C "$build" module KDIR="$kdir" C=2 2>&1 | grep -E 'warning|error')
	result "sparse reports nothing" "$([[ -z $out ]] && echo 0 || echo 1)" "$out"
else
	result "sparse reports nothing" 1 "sparse is not installed"
fi

cd "$repo" || exit 1
out=$(checkpatch lkm/kt*.[ch] lkm/include/uapi/linux/kerneltalk.h 2>&1)
result "checkpatch --strict is clean" $? "$out"

echo "lint: $passed passed, $failed failed"
[[ $failed == 0 ]]
