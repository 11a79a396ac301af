#!/usr/bin/env bash
# debug-kernel.sh — build Debian's linux-source-6.1 into a debug kernel for
# the kt-vm test bed (lockdep, KASAN, DEBUG_LIST, DEBUG_ATOMIC_SLEEP, debug
# objects, kmemleak; DESIGN.md section 7).
#
#   debug-kernel.sh [--variant V] build     build when not cached; print "image PATH", "kdir PATH"
#   debug-kernel.sh [--variant V] image     print the bzImage path (builds when not cached)
#   debug-kernel.sh [--variant V] kdir      print the tree to build modules against:
#                             make -C lkm KDIR=$(tests/vm/debug-kernel.sh kdir)
#   debug-kernel.sh [--variant V] release   print the kernel release (the modules' vermagic)
#   --variant kcsan: KCSAN instead of KASAN (the two exclude each other)
#
# Config: `make ARCH=x86_64 tinyconfig`, then debug-kernel.config beside this
# script, then `olddefconfig`; every fragment line must survive. A variant
# V adds debug-kernel-V.config: its lines replace the base lines that set
# the same option. The built tree is cached in
# $XDG_CACHE_HOME/kerneltalk/debug-KEY/linux, KEY being a hash of the
# fragment(s), the linux-source version and the gcc version: a cached build
# costs nothing. Build output goes to debug-KEY/build.log; only the answers
# go to stdout.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
fragment=$here/debug-kernel.config
variant='' # or the name of the debug-kernel-NAME.config beside this script
cache=${XDG_CACHE_HOME:-$HOME/.cache}/kerneltalk
srcpkg=linux-source-6.1
tarball=/usr/src/$srcpkg.tar.xz
# Host tools of a kernel build: no openssl (no module signing), no pahole (no BTF).
build_pkgs=(make gcc libc6-dev flex bison bc libelf-dev xz-utils "$srcpkg")

say() { echo "debug-kernel: $*" >&2; }
die() { say "$*"; exit 1; }

usage() {
	sed -n '2,11s/^# \{0,1\}//p' "${BASH_SOURCE[0]}" >&2
	exit 2
}

# Install the named packages that are missing (root), or name them and stop.
need_pkgs() {
	local p missing=()
	for p; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' ||
			missing+=("$p")
	done
	((${#missing[@]})) || return 0
	[[ $EUID == 0 ]] || die "missing packages: ${missing[*]} (run: sudo apt-get install ${missing[*]})"
	say "installing ${missing[*]}"
	apt-get update >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >&2
}

# The option a fragment line sets or unsets ("CONFIG_X"), nothing for others.
option_of() {
	sed -nE 's/^(# )?(CONFIG_[A-Za-z0-9_]+)(=.*| is not set)$/\2/p'
}

# The fragment in force: the base, less the options the variant sets, then
# the variant. Without a variant exactly the base (so its cache key stays).
effective_fragment() {
	[[ -n $variant ]] || { cat "$fragment"; return; }
	local extra=$here/debug-kernel-$variant.config
	grep -vFf <(option_of <"$extra" | sed 's/.*/&=/; p; s/=$/ is not set/') "$fragment"
	cat "$extra"
}

# Sets dir (the cache entry) and tree (the kernel tree in it, the KDIR).
locate() {
	need_pkgs "${build_pkgs[@]}"
	local key
	key=$({
		effective_fragment
		dpkg-query -W -f='${Version}\n' "$srcpkg"
		gcc --version | head -n1
	} | sha256sum | cut -c1-16)
	dir=$cache/debug-$key
	tree=$dir/linux
}

# The CONFIG_ lines of the fragment that olddefconfig changed or dropped.
lost_lines() {
	local line name
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*)
			grep -qxF -- "$line" "$tree/.config" || echo "$line"
			;;
		'# CONFIG_'*' is not set')
			name=${line#\# }
			name=${name%% *}
			! grep -q "^$name=" "$tree/.config" || echo "$line"
			;;
		esac
	done < <(effective_fragment)
}

kmake() {
	make -C "$tree" ARCH=x86_64 "$@" >>"$dir/build.log" 2>&1
}

build() {
	locate
	[[ -e $dir/.complete ]] && return 0
	mkdir -p "$cache"
	# One build per key at a time; a second caller waits, then finds it done.
	exec 9>"$dir.lock"
	if ! flock -n 9; then
		say "another build of $dir is running; waiting"
		flock 9
	fi
	[[ -e $dir/.complete ]] && return 0
	mkdir -p "$dir"
	if [[ ! -e $dir/.unpacked ]]; then
		say "unpacking $tarball into $dir"
		rm -rf "${dir:?}/linux" "${dir:?}/$srcpkg"
		tar -xJf "$tarball" -C "$dir"
		mv "$dir/$srcpkg" "$tree"
		touch "$dir/.unpacked"
	fi
	if [[ ! -e $dir/.configured ]]; then
		: >"$dir/build.log"
		kmake tinyconfig || fail_build tinyconfig
		# Later lines win; olddefconfig settles what depends on them.
		effective_fragment >>"$tree/.config"
		kmake olddefconfig || fail_build olddefconfig
		local lost
		mapfile -t lost < <(lost_lines)
		if ((${#lost[@]})); then
			say "these fragment lines did not survive olddefconfig (unmet dependencies?):"
			printf '  %s\n' "${lost[@]}" >&2
			die "fix $fragment${variant:+ or debug-kernel-$variant.config}; resulting config: $tree/.config"
		fi
		touch "$dir/.configured"
	fi
	local t0=$SECONDS
	say "building with nice -n 10 make -j2 (10-15 min cold); log: $dir/build.log"
	nice -n 10 make -C "$tree" ARCH=x86_64 -j2 bzImage modules >>"$dir/build.log" 2>&1 ||
		fail_build "make bzImage modules"
	# Module.symvers comes from `modules`: without it, out-of-tree modpost
	# warns about every kernel symbol the module uses.
	[[ -s $tree/arch/x86/boot/bzImage && -s $tree/Module.symvers ]] ||
		fail_build "bzImage or Module.symvers missing after make"
	touch "$dir/.complete"
	say "built in $((SECONDS - t0)) s"
}

fail_build() {
	tail -n 40 "$dir/build.log" >&2
	die "$1 failed; full log: $dir/build.log"
}

if [[ ${1-} == --variant ]]; then
	variant=${2?}
	[[ -r $here/debug-kernel-$variant.config ]] || die "no variant '$variant' ($here/debug-kernel-$variant.config)"
	shift 2
fi
case ${1-} in
build)
	build
	echo "image $tree/arch/x86/boot/bzImage"
	echo "kdir $tree"
	;;
image) build; echo "$tree/arch/x86/boot/bzImage" ;;
kdir) build; echo "$tree" ;;
release) build; cat "$tree/include/config/kernel.release" ;;
*) usage ;;
esac
